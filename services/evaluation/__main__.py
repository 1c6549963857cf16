"""`python -m services.evaluation`: run the evaluation service process."""

from services.evaluation.bootstrap import create_app
from services.evaluation.config import EvaluationSettings
from services.runtime.host import serve

if __name__ == "__main__":
    settings = EvaluationSettings()
    serve(create_app(settings), settings)
