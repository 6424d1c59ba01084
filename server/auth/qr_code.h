#pragma once
// QR codes for TOTP enrolment, made on the server with libqrencode so the
// web UI stays free of runtime dependencies beyond Preact: the UI draws the
// module matrix as an SVG.
// Thread safety: QrEncode is safe to call from any thread (libqrencode
// keeps no shared state between calls).

#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server::auth {

//! A square QR symbol.
struct QrCode {
  int size = 0;         ///< Modules per side (no quiet zone).
  std::string modules;  ///< size × size characters, row by row: '1' dark, '0' light.
};

//! `text` as a QR code (byte mode, error correction M); kInternal when it does not fit.
Result<QrCode> QrEncode(std::string_view text);

}  // namespace rmgr::server::auth
