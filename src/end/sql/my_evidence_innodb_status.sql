-- Evidence: InnoDB's own account: transactions, lock waits, the latest deadlock.
SHOW ENGINE INNODB STATUS
