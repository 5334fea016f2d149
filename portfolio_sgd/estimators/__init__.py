"""scikit-learn style estimators (``SGDPortfolio``)."""
