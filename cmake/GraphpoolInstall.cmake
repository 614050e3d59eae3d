# install() rules and a relocatable graphpoolConfig.cmake for find_package(graphpool).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS graphpool graphpool_core graphpool_graph graphpool_layers graphpool_io graphpool_models
        EXPORT graphpoolTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(dir core graph layers io models)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir} DESTINATION include/graphpool
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT graphpoolTargets NAMESPACE graphpool::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/graphpool)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/graphpoolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/graphpoolConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/graphpool)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/graphpoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/graphpoolConfig.cmake
              ${PROJECT_BINARY_DIR}/graphpoolConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/GraphpoolBLIS.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/graphpool)
