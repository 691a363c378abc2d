"""A word_index without <OOV> (a trained model's may have none) and Keras' own Tokenizer with
it: what texts_to_sequences keeps and drops (tests/core/test_text.py, tests/trained)."""

NO_OOV = {"the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5, "dog": 6, "ran": 7}
NUM_WORDS = 6  # "mat" (5) is the last id kept; "dog" (6 = num_words) and "ran" (7) are not
NO_OOV_LINES = ["The cat sat on the mat", "a dog ran on the zebra mat!", "zebra yak the",
                "dog ran"]


def tokenizer_without_oov(word_index=NO_OOV, num_words=NUM_WORDS):
    """Keras' own Tokenizer with this word_index and no oov_token."""
    from tensorflow.keras.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=num_words)
    tokenizer.word_index = dict(word_index)
    tokenizer.index_word = {i: w for w, i in word_index.items()}
    return tokenizer


def kept_by_tokenizer(tokenizer, line: str) -> list[str]:
    """The words of a line the Tokenizer turns into an id, each asked of it on its own."""
    from tensorflow.keras.preprocessing.text import text_to_word_sequence

    return [w for w in text_to_word_sequence(line) if tokenizer.texts_to_sequences([w])[0]]
