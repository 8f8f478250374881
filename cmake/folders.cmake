# fanout_folder(<name> <folder> [SOURCES file...] [LINKS target...])
#
# Makes the source folder <folder> the CMake target fanout::<name>. Code includes headers by
# their path from the source root ("harness/async/task.hpp"), but a target does not export the
# source root: it exports an include root of its own that holds only its folder (a link in the
# build tree). So a folder can include only the folders it links, directly or through them,
# and removing a link that a folder needs breaks the build: the layers of docs/design.md
# section 7 are enforced, not just drawn.
function(fanout_folder name folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINKS" ${ARGN})
  set(root "${PROJECT_BINARY_DIR}/include/${name}")
  get_filename_component(parent "${root}/${folder}" DIRECTORY)
  file(MAKE_DIRECTORY "${parent}")
  if(NOT EXISTS "${root}/${folder}")
    file(CREATE_LINK "${PROJECT_SOURCE_DIR}/${folder}" "${root}/${folder}" SYMBOLIC)
  endif()
  if(ARG_SOURCES)
    add_library(fanout_${name} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
  else()
    add_library(fanout_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(fanout::${name} ALIAS fanout_${name})
  target_include_directories(fanout_${name} ${scope} "${root}")
  target_link_libraries(fanout_${name} ${scope} ${ARG_LINKS} fanout::options)
  fanout_check_headers(${name} ${folder})
endfunction()

# fanout_check_headers(<name> <folder>): compiles each header of <folder> alone in a unit of its
# own, against fanout::<name> and nothing else: every header includes what it uses, and a
# header-only folder whose link line misses a layer fails here rather than in whoever includes
# it first. On with FANOUT_CHECK_HEADERS (the release preset).
function(fanout_check_headers name folder)
  if(NOT FANOUT_CHECK_HEADERS)
    return()
  endif()
  file(GLOB headers RELATIVE "${PROJECT_SOURCE_DIR}/${folder}" CONFIGURE_DEPENDS
       "${PROJECT_SOURCE_DIR}/${folder}/*.hpp")
  set(units)
  foreach(header IN LISTS headers)
    set(unit "${PROJECT_BINARY_DIR}/header_checks/${name}/${header}.cpp")
    file(CONFIGURE OUTPUT "${unit}" CONTENT "#include \"${folder}/${header}\"\n")
    list(APPEND units "${unit}")
  endforeach()
  add_library(fanout_${name}_headers OBJECT ${units})
  target_link_libraries(fanout_${name}_headers PRIVATE fanout::${name})
endfunction()
