# boot.py: short, always returns. Decides safe mode (file SAFE in the flash root, or the
# board's safe pin held low): then main.py skips the application and the REPL stays free
# for mpremote. Recover a crash loop with `mpremote cp SAFE :` or by holding the pin.
try:
    import boards

    boards.boot()
except Exception as e:  # never let boot.py fail: the REPL must stay reachable
    print("boot.py:", repr(e))
