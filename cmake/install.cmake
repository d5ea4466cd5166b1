# Install and export (issue 15, item 1). Layout under the prefix:
#   bin/cimchar                        the command line; finds share/cimchar next to it
#   lib/libcimchar_<module>.a          the libraries, exported as cimchar::<module>
#   lib/cmake/cimchar/                 cimcharConfig.cmake, its version file, the targets
#   include/cimchar/<module>/*.hpp     headers, included as "xbar/solver.hpp"
#   share/cimchar/                     devices, netlists, characterization (flows, presets,
#                                      tech cards, data), models, tools (report.py), python
include(CMakePackageConfigHelpers)

set(CIMCHAR_MODULES core spice lut device xbar fit periph attention ppa flows report)
set(CIMCHAR_EXPORTED cimchar_warnings)
foreach(m IN LISTS CIMCHAR_MODULES)
  set_target_properties(cimchar_${m} PROPERTIES EXPORT_NAME ${m})
  list(APPEND CIMCHAR_EXPORTED cimchar_${m})
endforeach()
set_target_properties(cimchar_warnings PROPERTIES EXPORT_NAME warnings)
# cimchar::cimchar: every module (flows depends on all of them).
add_library(cimchar_all INTERFACE)
target_link_libraries(cimchar_all INTERFACE cimchar_flows)
set_target_properties(cimchar_all PROPERTIES EXPORT_NAME cimchar)
list(APPEND CIMCHAR_EXPORTED cimchar_all)
# Eigen's product templates must be the same in a consumer's translation units as in ours.
if(CIMCHAR_EIGEN_BLAS)
  target_compile_definitions(cimchar_core INTERFACE $<INSTALL_INTERFACE:EIGEN_USE_BLAS>)
  target_link_libraries(cimchar_core INTERFACE $<INSTALL_INTERFACE:BLAS::BLAS>)
endif()

set(CIMCHAR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cimchar)
set(CIMCHAR_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/cimchar)

install(TARGETS cimchar RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${CIMCHAR_EXPORTED} EXPORT cimcharTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cimchar)
install(DIRECTORY src/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cimchar
  FILES_MATCHING PATTERN "*.hpp" PATTERN "app" EXCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/src/core/include/core/build_info.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cimchar/core)
install(EXPORT cimcharTargets NAMESPACE cimchar:: DESTINATION ${CIMCHAR_CMAKE_DIR})

configure_package_config_file(cmake/cimcharConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cimcharConfig.cmake INSTALL_DESTINATION ${CIMCHAR_CMAKE_DIR}
  PATH_VARS CIMCHAR_INSTALL_DATADIR)
# 0.x: a minor version may change the API (SameMinorVersion); from 1.0 on, SameMajorVersion.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cimcharConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cimcharConfig.cmake
  ${PROJECT_BINARY_DIR}/cimcharConfigVersion.cmake DESTINATION ${CIMCHAR_CMAKE_DIR})

install(DIRECTORY devices netlists characterization models tools python
  DESTINATION ${CIMCHAR_INSTALL_DATADIR}
  PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE PATTERN "sanitizers" EXCLUDE)
