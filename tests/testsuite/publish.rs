//! `gtdocs publish-wiki` (tests to come)
