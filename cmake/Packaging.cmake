# Debian packages, built with CPack's DEB generator from the `release`
# preset (scripts/build-packages.sh, `make package`):
#   restic-manager-server  the server, its hardened unit, /etc/restic-manager/server.toml,
#                          and the agent package it offers at GET /downloads/
#   restic-manager-agent   the agent, its confined unit, /etc/restic-manager/agent.env
#   restic-manager-cli     the operator CLI (/usr/bin/restic-manager)
# The sources (units, maintainer scripts, default configs) live in packaging/.
#
# The server package carries the agent package, so it is built in a second
# CPack run: RMGR_CPACK_COMPONENTS (environment, read by
# packaging/cpack_project_config.cmake) picks the components of a run, and
# the first run's agent .deb is copied into RMGR_OFFERED_PACKAGES_DIR.
set(_pkg "${PROJECT_SOURCE_DIR}/packaging")
set(RMGR_OFFERED_PACKAGES_DIR "${PROJECT_BINARY_DIR}/packaging/offered"
    CACHE PATH "Agent packages to put into the server package (scripts/build-packages.sh fills it)")
file(MAKE_DIRECTORY "${RMGR_OFFERED_PACKAGES_DIR}")

# Debian wants the changelog compressed without a timestamp (gzip -n), so the
# same source gives the same package.
set(_changelog_gz "${PROJECT_BINARY_DIR}/packaging/changelog.gz")
execute_process(COMMAND gzip -9nc "${_pkg}/common/changelog" OUTPUT_FILE "${_changelog_gz}" RESULT_VARIABLE _gz)
if(NOT _gz EQUAL 0)
  message(FATAL_ERROR "packaging: gzip of packaging/common/changelog failed")
endif()

# Files below /usr come with the relative destinations; /etc and /lib are absolute on purpose.
# Units go where the release building the package wants them: /lib/systemd/system
# on Debian 12, /usr/lib/systemd/system from Debian 13 on (merged /usr; lintian
# there calls /lib an aliased location, an error).
set(_codename "")
if(EXISTS /etc/os-release)
  file(STRINGS /etc/os-release _codename_line REGEX "^VERSION_CODENAME=")
  string(REGEX REPLACE "^VERSION_CODENAME=\"?([^\"]*)\"?$" "\\1" _codename "${_codename_line}")
endif()
if(_codename STREQUAL "bookworm")
  set(_systemd_dir "/lib/systemd/system")
else()
  set(_systemd_dir "/usr/lib/systemd/system")
endif()
foreach(component server agent cli)
  set(_name restic-manager-${component})
  install(FILES "${_pkg}/common/copyright" "${_changelog_gz}"
          DESTINATION share/doc/${_name} PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
          COMPONENT ${component})
endforeach()

install(TARGETS restic-manager-server RUNTIME DESTINATION bin COMPONENT server)
install(FILES "${_pkg}/server/restic-manager-server.service" DESTINATION ${_systemd_dir} COMPONENT server)
install(FILES "${_pkg}/server/server.toml" DESTINATION /etc/restic-manager COMPONENT server)
install(FILES "${_pkg}/server/README.Debian" DESTINATION share/doc/restic-manager-server COMPONENT server)
install(DIRECTORY "${RMGR_OFFERED_PACKAGES_DIR}/" DESTINATION share/restic-manager/packages COMPONENT server
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

install(TARGETS restic-manager-agent RUNTIME DESTINATION bin COMPONENT agent)
install(FILES "${_pkg}/agent/restic-manager-agent.service" DESTINATION ${_systemd_dir} COMPONENT agent)
install(FILES "${_pkg}/agent/agent.env" DESTINATION /etc/restic-manager COMPONENT agent)
install(FILES "${_pkg}/agent/README.Debian" DESTINATION share/doc/restic-manager-agent COMPONENT agent)

install(TARGETS restic-manager RUNTIME DESTINATION bin COMPONENT cli)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME restic-manager)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "restic-manager maintainers <maintainers@users.noreply.r-seed-3ef48e1f.example>")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server agent cli)
set(CPACK_PROJECT_CONFIG_FILE "${_pkg}/cpack_project_config.cmake")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps names the shared libraries' packages (Boost, OpenSSL, sqlite, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# The tests pack debug trees (large sanitizer binaries) on every `make test`:
# gzip packs those in a fraction of xz's time. Release packages keep xz.
if(NOT CMAKE_BUILD_TYPE MATCHES "^Rel")
  set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
endif()

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME restic-manager-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    "${_pkg}/server/postinst;${_pkg}/server/prerm;${_pkg}/server/postrm;${_pkg}/server/conffiles")
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "control plane for restic backups across a fleet of hosts
The restic-manager server keeps one WebSocket to the agent on every backed-up
host, pushes schedules, records every job and serves the web UI and REST API.
It runs as the restic-manager system user under a hardened systemd unit and
offers the agent package to new hosts.")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME restic-manager-agent)
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "restic")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    "${_pkg}/agent/postinst;${_pkg}/agent/prerm;${_pkg}/agent/postrm;${_pkg}/agent/conffiles")
set(CPACK_COMPONENT_AGENT_DESCRIPTION
    "runs restic backups on this host for a restic-manager server
The restic-manager agent connects to the server, fires the schedules it is
given and runs restic for backups, restores and maintenance. It runs as root
with only the capabilities backup and restore need.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME restic-manager-cli)
set(CPACK_COMPONENT_CLI_DESCRIPTION
    "command-line client for a restic-manager server
The restic-manager command manages hosts, schedules, jobs, snapshots and
restores of a restic-manager server over its REST API.")

include(CPack)
