# The web UI (web/, a Vite SPA) built with npm and compiled into the server.
#
# Configure time (include(WebUi) from the top CMakeLists):
#   RMGR_WEB_UI       option, default ON; OFF embeds nothing and the server shows
#                     a one-line "UI not built" page.
#   RMGR_WEB_DIST     an already built dist directory to embed instead of running
#                     npm (packaging, or a machine without node).
#   rmgr_build_web_ui(STAMP_VAR v DIST_VAR d)
#                     adds the custom command that runs `npm run build` into
#                     <binary dir>/web-dist; sets v to its stamp file, d to the dir.
#   rmgr_embed_web_dir(TARGET t DIST dir FUNCTION ns::Name PREFIX sym [DEPENDS files...])
#                     adds OBJECT library t defining
#                       std::span<const EmbeddedFile> ns::Name()
#                     (server/web/embedded_file.h) over every file of dir, each
#                     pulled in with the assembler's .incbin.
#
# Script mode (cmake -P, run by those commands at build time):
#   -DSTEP=build -DNPM=.. -DWEB_DIR=.. -DDIST=.. -DSTAMP=..
#   -DSTEP=embed -DDIST=.. -DOUT_ASM=.. -DOUT_CPP=.. -DFUNCTION=.. -DPREFIX=.. -DSTAMP=..
# Generated sources are rewritten only when their text changes, and the text
# carries each file's hash, so an unchanged UI compiles nothing and a changed
# file (even under the same name) reassembles.
if(CMAKE_SCRIPT_MODE_FILE)
  # Writes `text` to `path` only if it differs, so ninja and ccache stay quiet.
  function(_rmgr_write_if_different path text)
    file(WRITE "${path}.tmp" "${text}")
    file(COPY_FILE "${path}.tmp" "${path}" ONLY_IF_DIFFERENT)
    file(REMOVE "${path}.tmp")
  endfunction()

  if(STEP STREQUAL "build")
    if(NOT EXISTS "${WEB_DIR}/node_modules")
      message(FATAL_ERROR "web UI: ${WEB_DIR}/node_modules is missing. Run scripts/install-deps.sh "
                          "(it installs the locked npm packages in web/), or configure with -DRMGR_WEB_UI=OFF to build without the UI.")
    endif()
    if(NOT NPM)
      message(FATAL_ERROR "web UI: npm was not found when configuring. Run scripts/install-deps.sh and "
                          "reconfigure, or configure with -DRMGR_WEB_UI=OFF.")
    endif()
    execute_process(
      COMMAND "${NPM}" run --silent build -- --outDir "${DIST}" --emptyOutDir --logLevel warn
      WORKING_DIRECTORY "${WEB_DIR}"
      RESULT_VARIABLE _rc
      OUTPUT_VARIABLE _out
      ERROR_VARIABLE _out)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "web UI: `npm run build` in ${WEB_DIR} failed (${_rc}):\n${_out}")
    endif()
    if(NOT EXISTS "${DIST}/index.html")
      message(FATAL_ERROR "web UI: `npm run build` produced no ${DIST}/index.html")
    endif()
    file(TOUCH "${STAMP}")
    return()
  endif()

  if(STEP STREQUAL "embed")
    if(NOT IS_DIRECTORY "${DIST}")
      message(FATAL_ERROR "web UI: ${DIST} is not a directory")
    endif()
    string(REGEX MATCH "^(.*)::([A-Za-z_][A-Za-z0-9_]*)$" _ "${FUNCTION}")
    set(_namespace "${CMAKE_MATCH_1}")
    set(_name "${CMAKE_MATCH_2}")
    file(GLOB_RECURSE _files LIST_DIRECTORIES false RELATIVE "${DIST}" "${DIST}/*")
    list(SORT _files)
    set(_asm "/* Generated from ${DIST} by cmake/WebUi.cmake. Do not edit. */\n")
    string(APPEND _asm "\t.section .rodata.${PREFIX},\"a\",%progbits\n")
    set(_decls "")
    set(_rows "")
    set(_index 0)
    foreach(_rel IN LISTS _files)
      # The server never serves dot-files; do not carry them.
      if(_rel MATCHES "(^|/)\\.")
        continue()
      endif()
      set(_abs "${DIST}/${_rel}")
      file(SIZE "${_abs}" _size)
      file(SHA256 "${_abs}" _sha)
      # Same ETag as StaticSite computes for --web-root: 128 bits of SHA-256.
      string(SUBSTRING "${_sha}" 0 32 _etag)
      set(_sym "${PREFIX}_${_index}")
      string(REPLACE "\\" "\\\\" _abs_escaped "${_abs}")
      string(REPLACE "\"" "\\\"" _abs_escaped "${_abs_escaped}")
      string(REPLACE "\\" "\\\\" _rel_escaped "${_rel}")
      string(REPLACE "\"" "\\\"" _rel_escaped "${_rel_escaped}")
      string(APPEND _asm "\t.balign 16\n\t.globl ${_sym}\n\t.hidden ${_sym}\n"
                         "${_sym}: /* ${_rel} sha256 ${_sha} */\n\t.incbin \"${_abs_escaped}\"\n")
      string(APPEND _decls "extern const char ${_sym}[];\n")
      string(APPEND _rows "    {\"${_rel_escaped}\", {${_sym}, ${_size}}, \"\\\"${_etag}\\\"\"},\n")
      math(EXPR _index "${_index} + 1")
    endforeach()
    string(APPEND _asm "\t.section .note.GNU-stack,\"\",%progbits\n")

    if(_index EQUAL 0)
      set(_table "std::span<const EmbeddedFile> ${_name}() { return {}; }\n")
    else()
      string(CONCAT _table "namespace {\nconstexpr EmbeddedFile kFiles[] = {\n${_rows}};\n}  // namespace\n\n"
                           "std::span<const EmbeddedFile> ${_name}() { return kFiles; }\n")
    endif()
    set(_cpp "// Generated from ${DIST} by cmake/WebUi.cmake. Do not edit.
#include \"server/web/embedded_file.h\"

// Defined in the generated assembler file next to this one (.incbin).
extern \"C\" {
${_decls}}

namespace ${_namespace} {

${_table}
}  // namespace ${_namespace}
")
    _rmgr_write_if_different("${OUT_ASM}" "${_asm}")
    _rmgr_write_if_different("${OUT_CPP}" "${_cpp}")
    file(TOUCH "${STAMP}")
    return()
  endif()
  message(FATAL_ERROR "WebUi.cmake: unknown STEP '${STEP}'")
endif()

option(RMGR_WEB_UI "Build the web UI with npm and embed it in the server" ON)
set(RMGR_WEB_DIST "" CACHE PATH "Embed this already built web UI directory instead of running npm")
if(RMGR_FUZZ)
  # The fuzz build has neither a server nor a UI.
  return()
endif()
# The embedded files are assembled with .incbin: fast for large bundles and
# never passed through the C++ compiler.
enable_language(ASM)

set(_rmgr_webui_script "${CMAKE_CURRENT_LIST_FILE}")
set(RMGR_WEB_DIR "${PROJECT_SOURCE_DIR}/web")

function(rmgr_build_web_ui)
  cmake_parse_arguments(W "" "STAMP_VAR;DIST_VAR" "" ${ARGN})
  find_program(RMGR_NPM npm)
  set(_web "${RMGR_WEB_DIR}")
  file(GLOB_RECURSE _inputs CONFIGURE_DEPENDS "${_web}/src/*" "${_web}/public/*")
  foreach(_f index.html package.json package-lock.json vite.config.ts tsconfig.json node_modules/.package-lock.json)
    # Inputs that do not exist yet would stop ninja ("no known rule").
    if(EXISTS "${_web}/${_f}")
      list(APPEND _inputs "${_web}/${_f}")
    endif()
  endforeach()
  set(_dist "${CMAKE_CURRENT_BINARY_DIR}/web-dist")
  set(_stamp "${CMAKE_CURRENT_BINARY_DIR}/web-dist.stamp")
  add_custom_command(
    OUTPUT "${_stamp}"
    COMMAND ${CMAKE_COMMAND} -DSTEP=build "-DNPM=${RMGR_NPM}" "-DWEB_DIR=${_web}" "-DDIST=${_dist}"
            "-DSTAMP=${_stamp}" -P "${_rmgr_webui_script}"
    DEPENDS ${_inputs} "${_rmgr_webui_script}"
    COMMENT "Building the web UI (npm run build)"
    VERBATIM)
  set(${W_STAMP_VAR} "${_stamp}" PARENT_SCOPE)
  set(${W_DIST_VAR} "${_dist}" PARENT_SCOPE)
endfunction()

function(rmgr_embed_web_dir)
  cmake_parse_arguments(W "" "TARGET;DIST;FUNCTION;PREFIX" "DEPENDS" ${ARGN})
  set(_base "${CMAKE_CURRENT_BINARY_DIR}/${W_TARGET}")
  set(_asm "${_base}.S")
  set(_cpp "${_base}.cpp")
  set(_stamp "${_base}.stamp")
  add_custom_command(
    OUTPUT "${_stamp}"
    BYPRODUCTS "${_asm}" "${_cpp}"
    COMMAND ${CMAKE_COMMAND} -DSTEP=embed "-DDIST=${W_DIST}" "-DOUT_ASM=${_asm}" "-DOUT_CPP=${_cpp}"
            "-DFUNCTION=${W_FUNCTION}" "-DPREFIX=${W_PREFIX}" "-DSTAMP=${_stamp}" -P "${_rmgr_webui_script}"
    DEPENDS ${W_DEPENDS} "${_rmgr_webui_script}"
    COMMENT "Embedding ${W_DIST}"
    VERBATIM)
  add_library(${W_TARGET} OBJECT "${_asm}" "${_cpp}" "${_stamp}")
  target_include_directories(${W_TARGET} PRIVATE "${PROJECT_SOURCE_DIR}")
endfunction()
