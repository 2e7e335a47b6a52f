# stats/: LibreOffice opens the statistics CSV in tests/integration/20_stats.sh.
TEST_PKGS+=(libreoffice-calc-nogui)
