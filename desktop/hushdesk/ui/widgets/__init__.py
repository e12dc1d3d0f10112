"""The widgets the pages are built from: shared ones (the status area, the navigation
rail, job bars, combo boxes, labels that elide, rich-text items) and one page's larger
parts (the chat header and transcript, the email and summary forms, the Documents
page's lists and search, model cards and settings), a file each."""
