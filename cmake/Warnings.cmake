# rmgr_warnings: INTERFACE target carrying the project's warning flags.
add_library(rmgr_warnings INTERFACE)
target_compile_options(rmgr_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  -Wformat=2)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(rmgr_warnings INTERFACE -Wduplicated-cond -Wlogical-op)
endif()
if(RMGR_WERROR)
  target_compile_options(rmgr_warnings INTERFACE -Werror)
endif()
