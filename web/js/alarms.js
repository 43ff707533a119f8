// alarms: coming
