# Script mode (cmake -P): turns one file into a C++ source defining
#   std::string_view <SYMBOL>()  in namespace <NAMESPACE>
# holding the file's bytes, so a single binary carries it.
#   cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DNAMESPACE=a::b -DSYMBOL=Name -P EmbedFile.cmake
# rmgr_embed_file(TARGET target INPUT file NAMESPACE ns SYMBOL name) wires it into a target.
if(CMAKE_SCRIPT_MODE_FILE)
  if(NOT INPUT OR NOT OUTPUT OR NOT NAMESPACE OR NOT SYMBOL)
    message(FATAL_ERROR "EmbedFile: INPUT, OUTPUT, NAMESPACE and SYMBOL are required")
  endif()
  file(READ "${INPUT}" _hex HEX)
  string(LENGTH "${_hex}" _hex_len)
  math(EXPR _size "${_hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," _bytes "${_hex}")
  # Break the initializer into lines of 16 bytes for the compiler's sake.
  string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){16})" "\\1\n  " _bytes "${_bytes}")
  set(_text "// Generated from ${INPUT} by cmake/EmbedFile.cmake. Do not edit.
#include <string_view>

namespace ${NAMESPACE} {
namespace {
constexpr char kBytes[${_size} + 1] = {
  ${_bytes}'\\0'};
}  // namespace

std::string_view ${SYMBOL}() { return std::string_view(kBytes, ${_size}); }

}  // namespace ${NAMESPACE}
")
  file(WRITE "${OUTPUT}.tmp" "${_text}")
  file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
  file(REMOVE "${OUTPUT}.tmp")
  return()
endif()

set(_rmgr_embed_script "${CMAKE_CURRENT_LIST_FILE}")
function(rmgr_embed_file)
  cmake_parse_arguments(E "" "TARGET;INPUT;NAMESPACE;SYMBOL" "" ${ARGN})
  get_filename_component(_name "${E_INPUT}" NAME_WE)
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/embedded_${_name}_${E_SYMBOL}.cpp")
  add_custom_command(
    OUTPUT "${_out}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${E_INPUT} -DOUTPUT=${_out} -DNAMESPACE=${E_NAMESPACE} -DSYMBOL=${E_SYMBOL}
            -P "${_rmgr_embed_script}"
    DEPENDS "${E_INPUT}" "${_rmgr_embed_script}"
    COMMENT "Embedding ${E_INPUT}")
  target_sources(${E_TARGET} PRIVATE "${_out}")
endfunction()
