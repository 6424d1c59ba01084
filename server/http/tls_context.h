#pragma once
// TlsContext: the server's certificate chain and key in a TLS 1.2+ server
// context, reloadable. Each new connection takes the context current at its
// accept; a reload (SIGHUP) builds a new one and swaps it in, so connected
// agents keep their sessions and only new handshakes see the new certificate.
// A reload that fails (missing file, key not matching) keeps the old context.
//
// Rotation: the operator may place the next certificate beside the current
// one (`next_cert`); its fingerprint is announced to agents before the
// switch, so they accept it when it comes (docs/tls.md).
//
// Thread safety: every method may be called from any thread.

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"

namespace rmgr::server::http {

//! Where the server's certificate and key come from.
struct TlsFiles {
  std::filesystem::path cert;       ///< PEM chain: the leaf first, then intermediates.
  std::filesystem::path key;        ///< PEM private key of the leaf.
  std::filesystem::path next_cert;  ///< Optional PEM of the certificate to rotate to; empty for none.
};

class TlsContext {
 public:
  //! Loads `files`; kInvalidArgument naming the file when one cannot be used.
  static Result<std::shared_ptr<TlsContext>> Load(TlsFiles files);

  //! Re-reads the files. On failure the current context stays and the error says why.
  Result<void> Reload();

  //! The context for a new connection.
  std::shared_ptr<boost::asio::ssl::context> Current() const;
  //! The current leaf certificate's fingerprint ("sha256:...").
  std::string Fingerprint() const;
  //! The next certificate's fingerprint, or empty when none is placed.
  std::string NextFingerprint() const;
  //! The current leaf's public key pin for curl --pinnedpubkey ("sha256//<base64>").
  std::string SpkiPin() const;

 private:
  struct Loaded {
    std::shared_ptr<boost::asio::ssl::context> context;
    std::string fingerprint;
    std::string next_fingerprint;
    std::string spki_pin;
  };
  explicit TlsContext(TlsFiles files, Loaded loaded) : files_(std::move(files)), loaded_(std::move(loaded)) {}
  static Result<Loaded> Build(const TlsFiles& files);

  const TlsFiles files_;
  mutable std::mutex mu_;  // guards loaded_
  Loaded loaded_;
};

}  // namespace rmgr::server::http
