// zones: coming
