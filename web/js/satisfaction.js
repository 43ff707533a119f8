// satisfaction: coming
