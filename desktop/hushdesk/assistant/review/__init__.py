"""Review across documents: grids that ask every document the same questions."""
