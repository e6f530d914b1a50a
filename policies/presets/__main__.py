"""Regenerate the preset files: `python -m stackyard.policies.presets`."""

from stackyard.policies.presets import PRESET_NAMES, preset_path, write_presets

write_presets()
print("wrote", ", ".join(str(preset_path(name)) for name in PRESET_NAMES))
