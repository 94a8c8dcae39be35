# cmake/kascade_install.cmake: `cmake --install` and the Debian package (CPack DEB, scripts/package).
# Paths follow GNUInstallDirs: with the prefix /usr (the package), the default config goes to
# /etc/kascade (GNUInstallDirs maps sysconfdir to /etc for /usr), the unit to /usr/lib/systemd/system.
include(GNUInstallDirs)

set(KASCADE_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/kascade")
# Relative (under the prefix, so `cmake --install --prefix` moves it) unless the prefix is /usr.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(KASCADE_CONFIG_DESTINATION "${KASCADE_CONFIG_DIR}")
else()
  set(KASCADE_CONFIG_DESTINATION "${CMAKE_INSTALL_SYSCONFDIR}/kascade")
endif()
set(KASCADE_BIN_PATH "${CMAKE_INSTALL_FULL_BINDIR}/kascade")
set(KASCADE_CONFIG_PATH "${KASCADE_CONFIG_DIR}/kascade.yaml")
set(KASCADE_DOC_DIR "${CMAKE_INSTALL_FULL_DOCDIR}")
configure_file(${PROJECT_SOURCE_DIR}/packaging/kascade.service.in ${PROJECT_BINARY_DIR}/packaging/kascade.service
               @ONLY)

install(TARGETS kascade RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/kascade.yaml DESTINATION ${KASCADE_CONFIG_DESTINATION})
install(FILES ${PROJECT_SOURCE_DIR}/configs/flagship.yaml ${PROJECT_SOURCE_DIR}/configs/dead-letter-demo.yaml
              ${PROJECT_SOURCE_DIR}/configs/seed-compat.yaml ${PROJECT_SOURCE_DIR}/configs/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/kascade/configs)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/airflow/kascade_dag.py ${PROJECT_SOURCE_DIR}/contrib/airflow/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/kascade/airflow)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/grafana/kascade.json DESTINATION ${CMAKE_INSTALL_DATADIR}/kascade/grafana)
# lib/, not CMAKE_INSTALL_LIBDIR: systemd reads units from <prefix>/lib/systemd/system, never a multiarch dir.
install(FILES ${PROJECT_BINARY_DIR}/packaging/kascade.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/config-reference.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.packaging.md)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kascade)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "kascade maintainers <kascade@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time data pipeline: sources, a durable log or Kafka, a processor, sinks")
set(CPACK_PACKAGE_DESCRIPTION
    "kascade ingests records (generated, from JSON APIs, or pushed over HTTP) into a topic (an embedded \
SQLite-backed log, or Apache Kafka), parses, validates and maps them with event-time windows and \
dead letters, and writes them exactly once into SQLite or Cassandra.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # the release build keeps debug info; the package does not
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/conffiles ${PROJECT_SOURCE_DIR}/packaging/postinst
                                       ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_OUTPUT_FILE_PREFIX ${PROJECT_BINARY_DIR}/package)
include(CPack)
