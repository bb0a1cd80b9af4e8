"""From a question to a cited answer: understand -> retrieve -> extract -> cite.

    from qa import Assistant
    bot = Assistant.load()
    answer = bot.ask("2019年社会消费品零售总额是多少？")
    print(answer.answer, answer.citations[0].quote)
"""

from .guard import BadQuestion
from .pipeline import Answer, Assistant, Citation, numbers_supported
from .service import load_assistant

__all__ = ["Answer", "Assistant", "BadQuestion", "Citation", "load_assistant", "numbers_supported"]
