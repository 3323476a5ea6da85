"""Root pytest configuration: skip importing optional-extra modules whose dependency is absent."""
import importlib.util

collect_ignore = [] if importlib.util.find_spec("torch") else ["fixpt/torch.py"]
