# Small helpers so each module's CMakeLists.txt reads as a list of facts.

set(KASCADE_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)

# kascade_library(NAME core SRCS a.cc b.cc DEPS fmt::fmt)
# Defines target kascade_<NAME> and alias kascade::<NAME>; headers are
# included as "<module>/<file>.h" relative to src/.
function(kascade_library)
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(kascade_${K_NAME} STATIC ${K_SRCS})
  add_library(kascade::${K_NAME} ALIAS kascade_${K_NAME})
  target_include_directories(kascade_${K_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(kascade_${K_NAME} PRIVATE ${KASCADE_WARNINGS})
  target_link_libraries(kascade_${K_NAME} PUBLIC ${K_DEPS})
endfunction()

# kascade_embed_text(FILE configs/x.yaml VARIABLE KASCADE_X TEMPLATE x.cc.in OUTPUT x.cc DELIMITER kascade_x)
# Reads FILE into VARIABLE and configures TEMPLATE (in this directory) into
# OUTPUT (in the build directory), where @VARIABLE@ sits inside the raw string
# R"DELIMITER(...)DELIMITER". FILE may not contain the delimiter; CMake runs
# again when FILE changes.
function(kascade_embed_text)
  cmake_parse_arguments(K "" "FILE;VARIABLE;TEMPLATE;OUTPUT;DELIMITER" "" ${ARGN})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${K_FILE})
  file(READ ${K_FILE} text)
  string(FIND "${text}" ")${K_DELIMITER}\"" found)
  if(NOT found EQUAL -1)
    message(FATAL_ERROR "${K_FILE} contains the raw-string delimiter of ${K_TEMPLATE}")
  endif()
  set(${K_VARIABLE} "${text}")
  configure_file(${K_TEMPLATE} ${CMAKE_CURRENT_BINARY_DIR}/${K_OUTPUT} @ONLY)
endfunction()

# kascade_test(NAME log_test SRCS tests/log_test.cc DEPS kascade::bus LABELS unit)
# A GoogleTest executable registered with CTest (one CTest test per TEST()).
function(kascade_test)
  if(NOT KASCADE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(K "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT K_TIMEOUT)
    set(K_TIMEOUT 300)
  endif()
  if(NOT K_LABELS)
    set(K_LABELS unit)
  endif()
  add_executable(${K_NAME} ${K_SRCS})
  target_compile_options(${K_NAME} PRIVATE ${KASCADE_WARNINGS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${K_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${K_LABELS}" TIMEOUT ${K_TIMEOUT}
    EXTRA_ARGS --gtest_color=no)
endfunction()

# kascade_bench(NAME parse_bench SRCS parse_bench.cc DEPS kascade::process)
function(kascade_bench)
  if(NOT KASCADE_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(K "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${K_NAME} ${K_SRCS})
  target_compile_options(${K_NAME} PRIVATE ${KASCADE_WARNINGS})
  target_link_libraries(${K_NAME} PRIVATE ${K_DEPS})
endfunction()
