-- MySQL before 8.0.22: every channel, in the Slave_/Master_ vocabulary.
SHOW SLAVE STATUS
