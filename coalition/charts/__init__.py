"""Charts drawn on the server as SVG that need no request: the pages (`coalition.web.charts`) and the partnership
report's PDF (`coalition.pdf.report`) both draw them."""
