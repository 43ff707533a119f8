// cause: coming
