// branch: coming
