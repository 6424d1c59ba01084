# rmgr_add_test(NAME SOURCES a.cpp b.cpp LIBS lib1 lib2 [LABELS l])
# One GoogleTest executable, registered with ctest test by test.
enable_testing()
if(RMGR_BUILD_TESTS AND NOT RMGR_FUZZ)
  include(GoogleTest)
endif()

function(rmgr_add_test name)
  if(NOT RMGR_BUILD_TESTS OR RMGR_FUZZ)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
    rmgr_warnings rmgr_sanitizers)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60
    NO_PRETTY_VALUES NO_PRETTY_TYPES)
endfunction()
