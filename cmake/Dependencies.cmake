# Every third-party library comes from a Debian bookworm package
# (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
# CONFIG: Boost's own BoostConfig.cmake (1.81 and 1.83 ship it); CMake 3.30+ drops FindBoost.
find_package(Boost 1.81 CONFIG REQUIRED COMPONENTS json url)
find_package(date REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# OpenSSL: TLS (common/tls, server/http) and HMAC-SHA-1 for TOTP (libsodium
# has no SHA-1); libqrencode: the QR code of a TOTP enrolment.
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
if(NOT RMGR_FUZZ)
  find_package(SQLite3 REQUIRED)
  find_package(CLI11 REQUIRED)
  find_package(tomlplusplus REQUIRED)
  find_package(CURL REQUIRED)
  if(RMGR_BUILD_TESTS)
    find_package(GTest REQUIRED)
  endif()
  if(RMGR_BUILD_BENCH)
    find_package(benchmark REQUIRED)
  endif()
endif()
