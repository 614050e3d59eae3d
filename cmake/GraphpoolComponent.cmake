# graphpool_component(name): a static library graphpool_<name> from <name>/*.cpp, exported as
# graphpool::<name>, with the source root (build) or include/graphpool (installed) on its path.
function(graphpool_component name)
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${name}/*.cpp)
  if(NOT sources)  # a directory whose first source has not landed yet
    set(sources ${PROJECT_BINARY_DIR}/graphpool_${name}_empty.cpp)
    file(WRITE ${sources} "// graphpool_${name} has no sources yet\n")
  endif()
  add_library(graphpool_${name} STATIC ${sources})
  add_library(graphpool::${name} ALIAS graphpool_${name})
  set_target_properties(graphpool_${name} PROPERTIES EXPORT_NAME ${name}
                        POSITION_INDEPENDENT_CODE ON)
  target_include_directories(graphpool_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include/graphpool>
    $<INSTALL_INTERFACE:include>)
  graphpool_apply_flags(graphpool_${name})
endfunction()
