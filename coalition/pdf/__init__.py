"""Statement PDFs: what they show (document), how they are drawn (render) and sealed (seal)."""
