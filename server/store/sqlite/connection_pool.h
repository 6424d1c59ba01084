#pragma once
// A fixed set of SQLite connections lent to one borrower at a time. The
// store keeps two: the write connection (a pool of one, which makes it the
// write lock) and the readers. Waiting uses a condition variable with a
// timeout, so a borrower gives up with kBusy instead of hanging.
// Thread safety: Borrow and the Lease destructor may run on any thread.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/store/sqlite/connection.h"

namespace rmgr::store::sqlite {

//! Connections handed out one borrower at a time.
class ConnectionPool {
 public:
  //! A borrowed connection, given back when the Lease is destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    ~Lease();
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    //! The borrowed connection.
    Connection& conn() { return *conn_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  //! `what` names the pool in the kBusy message ("write connection").
  explicit ConnectionPool(std::string what) : what_(std::move(what)) {}

  //! Adds a connection to lend out.
  void Add(std::unique_ptr<Connection> conn);

  //! Lends an idle connection, waiting up to `timeout` for one; kBusy after that.
  Result<Lease> Borrow(std::chrono::milliseconds timeout);

 private:
  void Return(std::unique_ptr<Connection> conn);

  const std::string what_;
  std::mutex mutex_;  // guards idle_
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace rmgr::store::sqlite
