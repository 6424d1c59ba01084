#include "common/update/release_version.h"

#include <cctype>
#include <cstddef>

namespace rmgr::update {
namespace {

bool IsVersionChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '+' || c == '-';
}

// The component of `text` starting at `pos` (up to the next '.').
std::string_view Component(std::string_view text, std::size_t pos) {
  const std::size_t end = text.find('.', pos);
  return text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

int CompareComponents(std::string_view a, std::string_view b) {
  if (AllDigits(a) && AllDigits(b)) {
    // Numbers of any length: strip leading zeros, then longer is larger.
    while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
    while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  }
  const int cmp = a.compare(b);
  return cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
}

}  // namespace

bool IsReleaseVersion(std::string_view version) {
  if (version.empty() || version.size() > 64) return false;
  if (std::isalnum(static_cast<unsigned char>(version.front())) == 0) return false;
  if (version.find("..") != std::string_view::npos) return false;
  for (char c : version) {
    if (!IsVersionChar(c)) return false;
  }
  return true;
}

int CompareVersions(std::string_view a, std::string_view b) {
  std::size_t pa = 0;
  std::size_t pb = 0;
  for (;;) {
    const bool a_done = pa > a.size();
    const bool b_done = pb > b.size();
    if (a_done && b_done) return 0;
    if (a_done) return -1;
    if (b_done) return 1;
    const std::string_view ca = Component(a, pa);
    const std::string_view cb = Component(b, pb);
    if (const int cmp = CompareComponents(ca, cb); cmp != 0) return cmp;
    pa += ca.size() + 1;
    pb += cb.size() + 1;
  }
}

}  // namespace rmgr::update
