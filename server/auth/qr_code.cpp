#include "server/auth/qr_code.h"

#include <qrencode.h>

#include <memory>
#include <string>

namespace rmgr::server::auth {

Result<QrCode> QrEncode(std::string_view text) {
  const std::string copy(text);  // libqrencode wants a NUL-terminated string
  std::unique_ptr<QRcode, decltype(&QRcode_free)> symbol(
      QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!symbol) return MakeError(ErrorCode::kInternal, "cannot make a QR code of this text");
  QrCode out;
  out.size = symbol->width;
  out.modules.reserve(static_cast<std::size_t>(symbol->width) * static_cast<std::size_t>(symbol->width));
  for (int i = 0; i < symbol->width * symbol->width; ++i) {
    out.modules += (symbol->data[i] & 1) != 0 ? '1' : '0';  // bit 0 is "dark"; the others are libqrencode's
  }
  return out;
}

}  // namespace rmgr::server::auth
