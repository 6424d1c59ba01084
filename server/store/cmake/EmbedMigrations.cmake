# Script mode (cmake -P): turns migrations/NNNN_name.sql into a C++ source
# whose raw string literals hold the SQL, so the binary carries its schema.
#   cmake -DMIGRATIONS_DIR=<dir> -DOUTPUT=<file.cpp> -P EmbedMigrations.cmake
# Fails the build when numbering has a gap or a file could break the literal.
if(NOT MIGRATIONS_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "EmbedMigrations: MIGRATIONS_DIR and OUTPUT are required")
endif()

file(GLOB _files RELATIVE "${MIGRATIONS_DIR}" "${MIGRATIONS_DIR}/*.sql")
list(SORT _files)
if(NOT _files)
  message(FATAL_ERROR "EmbedMigrations: no *.sql in ${MIGRATIONS_DIR}")
endif()

set(_delimiter "rmgr_sql")
set(_entries "")
set(_expected 1)
foreach(_file IN LISTS _files)
  if(NOT _file MATCHES "^([0-9][0-9][0-9][0-9])_([a-z0-9_]+)\\.sql$")
    message(FATAL_ERROR "EmbedMigrations: ${_file} is not named NNNN_snake_name.sql")
  endif()
  set(_name "${CMAKE_MATCH_1}_${CMAKE_MATCH_2}")
  math(EXPR _version "${CMAKE_MATCH_1}")  # drops the leading zeros
  if(NOT _version EQUAL _expected)
    message(FATAL_ERROR "EmbedMigrations: expected migration ${_expected}, found ${_file}")
  endif()
  file(READ "${MIGRATIONS_DIR}/${_file}" _sql)
  string(FIND "${_sql}" ")${_delimiter}\"" _clash)
  if(NOT _clash EQUAL -1)
    message(FATAL_ERROR "EmbedMigrations: ${_file} contains the literal delimiter")
  endif()
  string(APPEND _entries "    {${_version}, \"${_name}\", R\"${_delimiter}(${_sql})${_delimiter}\"},\n")
  math(EXPR _expected "${_expected} + 1")
endforeach()

set(_text "// Generated from server/store/migrations/*.sql by EmbedMigrations.cmake. Do not edit.
#include \"server/store/sqlite/migrations.h\"

namespace rmgr::store::sqlite {
namespace {

constexpr Migration kMigrations[] = {
${_entries}};

}  // namespace

std::span<const Migration> EmbeddedMigrations() { return kMigrations; }

}  // namespace rmgr::store::sqlite
")
# Write through a temporary so an unchanged schema does not recompile.
file(WRITE "${OUTPUT}.tmp" "${_text}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
