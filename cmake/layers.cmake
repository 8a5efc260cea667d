# One static library per folder of src/, with its allowed dependencies stated once.
#
#   mcpk_layer(NAME <folder> [DEPS <folder>...] [LIBS <targets>...] [PCH <headers>...]
#              [EXCLUDE <files>...])
#
# links the library against its DEPS and records them, so that the layering check
# (scripts/check-layers, run as part of every build) rejects an #include of a folder
# that is not a declared dependency: a wrong include breaks the build.
# Sources are the folder's *.cpp minus *_test.cpp; *_test.cpp go into unit_tests.
set_property(GLOBAL PROPERTY MCPK_LAYER_GRAPH "")

function(mcpk_layer)
  cmake_parse_arguments(L "" "NAME" "DEPS;LIBS;PCH;EXCLUDE" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  foreach(x IN LISTS L_EXCLUDE)
    list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${x})
  endforeach()
  if(NOT srcs)  # a layer whose first sources are still being written
    file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/empty_layer.cpp "// no sources yet\n")
    set(srcs ${CMAKE_CURRENT_BINARY_DIR}/empty_layer.cpp)
  endif()
  set(target mcpk_${L_NAME})
  add_library(${target} STATIC ${srcs})
  set(deps "")
  foreach(d IN LISTS L_DEPS)
    list(APPEND deps mcpk_${d})
  endforeach()
  target_link_libraries(${target} PUBLIC mcpk_options ${deps} ${L_LIBS})
  if(L_PCH)
    target_precompile_headers(${target} PRIVATE ${L_PCH})
  endif()
  if(tests AND TARGET unit_tests)
    target_sources(unit_tests PRIVATE ${tests})
    target_link_libraries(unit_tests PRIVATE ${target})
  endif()
  string(REPLACE ";" "," deplist "${L_DEPS}")
  set_property(GLOBAL APPEND_STRING PROPERTY MCPK_LAYER_GRAPH "${L_NAME}:${deplist}\n")
endfunction()

function(mcpk_layering_check)
  get_property(graph GLOBAL PROPERTY MCPK_LAYER_GRAPH)
  file(WRITE ${PROJECT_BINARY_DIR}/layers.txt "${graph}")
  add_custom_target(layering_check ALL
    COMMAND ${PROJECT_SOURCE_DIR}/scripts/check-layers ${PROJECT_BINARY_DIR}/layers.txt ${PROJECT_SOURCE_DIR}/src
    COMMENT "Checking that every #include follows the declared layer dependencies"
    VERBATIM)
endfunction()
