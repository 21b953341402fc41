from kimsite.cli import run

run()
