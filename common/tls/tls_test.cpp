#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "common/tls/client_trust.h"
#include "common/tls/fingerprint.h"
#include "common/tls/self_signed.h"
#include "common/util/unique_file.h"

namespace rmgr::tls {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/rmgr-tls-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// What `openssl x509 -fingerprint -sha256` says, in our spelling: an
// independent check of Fingerprint.
std::string OpensslFingerprint(const fs::path& cert) {
  const std::string command = "openssl x509 -noout -fingerprint -sha256 -in " + cert.string();
  rmgr::UniquePipe pipe(::popen(command.c_str(), "r"));
  char line[256] = {};
  if (!pipe || std::fgets(line, sizeof line, pipe.get()) == nullptr) return {};
  std::string text(line);
  text = text.substr(text.find('=') + 1);
  std::string out = "sha256:";
  for (char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c))) out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

// The SPKI pin as curl's documentation computes it with openssl: an independent check of SpkiPin.
std::string OpensslSpkiPin(const fs::path& cert) {
  const std::string command =
      "openssl x509 -noout -pubkey -in " + cert.string() +
      " | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64";
  rmgr::UniquePipe pipe(::popen(command.c_str(), "r"));
  char line[256] = {};
  if (!pipe || std::fgets(line, sizeof line, pipe.get()) == nullptr) return {};
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return "sha256//" + text;
}

std::string OpensslText(const fs::path& cert) {
  const std::string command = "openssl x509 -noout -text -in " + cert.string();
  rmgr::UniquePipe pipe(::popen(command.c_str(), "r"));
  std::string out;
  char buf[512];
  while (pipe && std::fgets(buf, sizeof buf, pipe.get()) != nullptr) out += buf;
  return out;
}

TEST(Fingerprint, ParseAcceptsCanonicalAndUpperCaseAndRefusesTheRest) {
  const std::string hex(64, 'a');
  EXPECT_EQ(*ParseFingerprint("sha256:" + hex), "sha256:" + hex);
  EXPECT_EQ(*ParseFingerprint("sha256:" + std::string(64, 'B')), "sha256:" + std::string(64, 'b'));
  EXPECT_FALSE(ParseFingerprint("sha1:" + hex));
  EXPECT_FALSE(ParseFingerprint("sha256:" + hex.substr(1)));
  EXPECT_FALSE(ParseFingerprint("sha256:" + hex.substr(1) + "g"));
  EXPECT_FALSE(ParseFingerprint(hex));
}

TEST(SelfSigned, CreatesAP256CertificateWithTheNamesAndAPrivateKey) {
  TempDir dir;
  const auto files = SelfSignedFilesIn(dir.path());
  auto created = EnsureSelfSigned(files, {"192.0.2.7", "backup.example", "127.0.0.1", "localhost"});
  ASSERT_TRUE(created) << created.error().Describe();
  EXPECT_TRUE(*created);
  struct stat st {};
  ASSERT_EQ(::stat(files.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const auto text = OpensslText(files.cert);
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:192.0.2.7"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:backup.example"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:127.0.0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:localhost"), std::string::npos) << text;

  auto fingerprint = FingerprintOfPemFile(files.cert);
  ASSERT_TRUE(fingerprint);
  EXPECT_EQ(*fingerprint, OpensslFingerprint(files.cert));

  rmgr::UniqueFile pem(std::fopen(files.cert.c_str(), "rb"));
  ASSERT_TRUE(pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(pem.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  ASSERT_TRUE(cert);
  const auto pin = SpkiPin(cert.get());
  EXPECT_EQ(pin.size(), 8u + 44u) << pin;
  EXPECT_EQ(pin, OpensslSpkiPin(files.cert));

  // Reused, not replaced, on a later start.
  auto again = EnsureSelfSigned(files, {"other"});
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(*FingerprintOfPemFile(files.cert), *fingerprint);
}

// A TLS server on 127.0.0.1 with the self-signed pair, and one client
// handshake with `trust`: what the client concluded.
struct HandshakeOutcome {
  bool ok = false;
  std::string message;
  PeerRecord record;
};

HandshakeOutcome Handshake(const SelfSignedFiles& files, const ClientTrust& trust) {
  asio::io_context io;
  asio::ssl::context server_context(asio::ssl::context::tls_server);
  server_context.use_certificate_chain_file(files.cert.string());
  server_context.use_private_key_file(files.key.string(), asio::ssl::context::pem);
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ssl::stream<asio::ip::tcp::socket> server(io, server_context);
  acceptor.async_accept(server.next_layer(), [&](boost::system::error_code ec) {
    if (!ec) server.async_handshake(asio::ssl::stream_base::server, [](boost::system::error_code) {});
  });
  auto record = std::make_shared<PeerRecord>();
  auto context = MakeClientContext(trust, "127.0.0.1", record);
  EXPECT_TRUE(context);
  asio::ssl::stream<boost::beast::tcp_stream> client(io, **context);
  HandshakeOutcome outcome;
  client.next_layer().async_connect(acceptor.local_endpoint(), [&](boost::system::error_code ec) {
    ASSERT_FALSE(ec);
    client.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code hec) {
      outcome.ok = !hec;
      if (hec) outcome.message = DescribeRefusal(trust, *record, hec.message());
    });
  });
  io.run_for(std::chrono::seconds(10));
  outcome.record = *record;
  return outcome;
}

TEST(ClientTrust, PinnedFingerprintIsAcceptedAndAnotherIsRefusedNamingBoth) {
  TempDir dir;
  const auto files = SelfSignedFilesIn(dir.path());
  ASSERT_TRUE(EnsureSelfSigned(files, {"127.0.0.1"}));
  const auto real = *FingerprintOfPemFile(files.cert);

  auto pinned = Handshake(files, ClientTrust{{real}, false, {}});
  EXPECT_TRUE(pinned.ok) << pinned.message;
  EXPECT_EQ(pinned.record.fingerprint, real);

  const std::string wrong = "sha256:" + std::string(64, '0');
  auto refused = Handshake(files, ClientTrust{{wrong}, false, {}});
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.message.find(real), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find(wrong), std::string::npos) << refused.message;

  // The announced next certificate's pin beside the current one: either passes.
  auto rotating = Handshake(files, ClientTrust{{wrong, real}, false, {}});
  EXPECT_TRUE(rotating.ok) << rotating.message;
}

TEST(ClientTrust, UntrustedSelfSignedIsRefusedWithoutPinAndAcceptedOnFirstUse) {
  TempDir dir;
  const auto files = SelfSignedFilesIn(dir.path());
  ASSERT_TRUE(EnsureSelfSigned(files, {"127.0.0.1"}));
  const auto real = *FingerprintOfPemFile(files.cert);

  auto refused = Handshake(files, ClientTrust{});
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.message.find(real), std::string::npos) << refused.message;
  EXPECT_NE(refused.message.find("--trust-on-first-use"), std::string::npos) << refused.message;

  auto tofu = Handshake(files, ClientTrust{{}, true, {}});
  EXPECT_TRUE(tofu.ok) << tofu.message;
  EXPECT_EQ(tofu.record.fingerprint, real);

  // With the certificate as the CA file, the chain and the name (IP SAN) check out.
  auto with_ca = Handshake(files, ClientTrust{{}, false, files.cert.string()});
  EXPECT_TRUE(with_ca.ok) << with_ca.message;
}

}  // namespace
}  // namespace rmgr::tls
