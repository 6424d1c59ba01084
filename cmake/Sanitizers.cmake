# rmgr_sanitizers: INTERFACE target that turns on the sanitizers named in
# RMGR_SANITIZE (a list: address;undefined, or thread).
add_library(rmgr_sanitizers INTERFACE)
if(RMGR_SANITIZE)
  list(JOIN RMGR_SANITIZE "," _rmgr_san)
  target_compile_options(rmgr_sanitizers INTERFACE
    -fsanitize=${_rmgr_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(rmgr_sanitizers INTERFACE -fsanitize=${_rmgr_san})
endif()
