import QEIRStats
print(BLASThreads().count)
