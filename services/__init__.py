"""The nameko services; `python -m services.run NAME` starts one."""
