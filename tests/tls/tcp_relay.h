#pragma once
// TcpRelay: a TCP relay on 127.0.0.1 in front of a local port that records
// every byte it passes, both ways, so a test can look for secrets on the wire.
// Thread safety: Recorded() from any thread; the relay's threads end in the
// destructor.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rmgr::testing {

class TcpRelay {
 public:
  //! Listens on 127.0.0.1 (a free port) and relays every connection to 127.0.0.1:target_port.
  explicit TcpRelay(std::uint16_t target_port);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  //! The relay's port (0 when it could not listen).
  std::uint16_t port() const { return port_; }
  //! Every byte relayed so far, both directions in arrival order.
  std::string Recorded() const;
  //! Connections relayed so far.
  std::size_t Connections() const;

 private:
  void AcceptLoop();
  void Pump(int from, int to);

  const std::uint16_t target_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;  // guards everything below
  std::vector<std::thread> pumps_;
  std::vector<int> fds_;
  std::string recorded_;
  std::size_t connections_ = 0;
};

}  // namespace rmgr::testing
