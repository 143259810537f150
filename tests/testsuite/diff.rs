//! `gtdocs diff` (tests to come)
