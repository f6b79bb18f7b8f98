# What `cmake --install` puts where, and the .deb CPack makes of it
# (docs/operations.md, "The package"). Only the parrot binary is installed:
# test, bench and fuzz targets have no install() rules. Release packages
# come from a BUILD_TESTING=OFF tree (a test tree also compiles in the
# thread-confinement checks).

install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/parrot.service DESTINATION lib/systemd/system)
# Absolute: the configuration belongs in /etc whatever the prefix, and the
# package marks it a conffile so upgrades keep an operator's edits.
install(FILES ${PROJECT_SOURCE_DIR}/deploy/parrot.toml DESTINATION /etc/parrot)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md ${PROJECT_SOURCE_DIR}/docs/configuration.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/component.conf ${PROJECT_SOURCE_DIR}/deploy/systemd/postgresql.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/systemd)

set(CPACK_PACKAGE_NAME parrot)
set(CPACK_PACKAGE_VENDOR parrot)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "headless XMPP echo and test bot for chat, calls and file transfers")
set(CPACK_PACKAGE_DESCRIPTION
    "Add it as a contact: it echoes messages, answers Jingle calls and echoes their audio and video, receives file transfers, and reports what it measured.")
set(CPACK_PACKAGE_CONTACT "parrot maintainers <parrot@localhost>")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps turns the binary's libraries into Depends (libgloox18,
# libnice10, libsrtp2-1, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles ${PROJECT_SOURCE_DIR}/deploy/debian/postinst
    ${PROJECT_SOURCE_DIR}/deploy/debian/prerm ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
