"""Files and nothing lost: reading and writing bytes safely, open/save/reload, the crash journal."""
