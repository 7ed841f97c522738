"""業務改善提案システム — the staff business-improvement proposal system."""
