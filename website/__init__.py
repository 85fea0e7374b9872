"""The clinic's demo web page with the chat widget, served by Sanic."""
