"""How a model reads text: one small reader per kind of input, chosen once when the model
opens (loading.TrainedModel), and one path from there on. The rest of the lab never asks
which kind it holds: every reader turns text into tokens and ids, and ids into what the
model's layers after the reader take.

- `WordIndexReader`: token ids with a word_index beside the model (the lesson's Tokenizer):
  Keras' Tokenizer splits, padding 'pre' (the lesson's); the model's own input takes the ids.
- `LayerReader`: the vocabulary inside the model, a TextVectorization (output_mode "int"),
  StringLookup or IntegerLookup first. The layer itself tokenizes: its standardize and split,
  its vocabulary (0 = padding, 1 = [UNK]) and its output_sequence_length (padding after the
  text, as the layer pads). The model's layers after it take the ids (a sub-model from the
  layer's output).
- `CharacterReader`: one-hot characters, (batch, T, n_chars), straight into a recurrent
  layer (keras.io's character-level text generation). The characters are sorted(set(text))
  of a text lower-cased, newlines read as spaces, as that recipe builds them; an id is the
  character's index + 1 (0 is padding, a row of zeros), and the model takes the one-hot rows.
"""

from __future__ import annotations

import numpy as np

from tui_lab.core import tf_loader
from tui_lab.core.text import OOV_TOKEN, Corpus, Encoded, placement
from tui_lab.errors import LabError

VECTORIZERS = ("TextVectorization", "StringLookup", "IntegerLookup")
# TextVectorization settings that give ids the lab can step (per setting: what it allows).
TEXT_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation",
                    "strip_punctuation_and_lower", None)
TEXT_SPLIT = ("whitespace", "character", None)


class Reader:
    """What every reader gives (see the module's docstring)."""

    kind = ""
    token_name = "word"  # what one token is called
    padding = "pre"  # where padding goes (the model's own rule)
    vocabulary_source = ""

    def tokens_and_ids(self, text: str) -> tuple[list[str], list[int]]:
        raise NotImplementedError

    def corpus(self, lines, name: str, vocab_size: int) -> Corpus:
        raise NotImplementedError

    def model_input(self, ids: np.ndarray) -> np.ndarray:
        """The padded ids (B, T) as the model's layers after the reader take them."""
        return ids


class WordIndexReader(Reader):
    kind = "word_index"

    def __init__(self, word_index: dict[str, int], source: str, num_words: int | None):
        self.word_index, self.vocabulary_source, self.num_words = word_index, source, num_words

    def tokens_and_ids(self, text: str):
        """Tokens and ids exactly as Tokenizer.texts_to_sequences gives them with this
        word_index (an unknown word is <OOV> if the index has it, else dropped)."""
        words = tf_loader.tokenizer_module().text_to_word_sequence(text)
        oov = self.word_index.get(OOV_TOKEN)
        tokens, ids = [], []
        for word in words:
            i = self.word_index.get(word)
            if i is None or (self.num_words is not None and i >= self.num_words):
                i = oov
            if i is not None:
                tokens.append(word)
                ids.append(int(i))
        return tokens, ids

    def corpus(self, lines, name: str, vocab_size: int) -> Corpus:
        if OOV_TOKEN not in self.word_index:
            # Without an OOV entry the Tokenizer drops unknown words: leave them out here too,
            # so that every token shown has its id.
            split = tf_loader.tokenizer_module().text_to_word_sequence
            lines = [" ".join(w for w in split(line) if w in self.word_index) for line in lines]
        return Corpus.from_word_index(list(lines), name, self.word_index, vocab_size)


class _Counts:
    """What the vocabulary view reads of a tokenizer: no fitted counts (they are counted in
    the text, with the reader's own splitting)."""

    def __init__(self, word_index: dict[str, int]):
        self.word_index, self.word_counts, self.num_words = word_index, {}, None


class ReaderCorpus(Corpus):
    """Lines read by a model's own reader (LayerReader, CharacterReader), not a fitted
    Tokenizer: its tokens, ids and padding are the reader's."""

    def __init__(self, lines, name: str, reader: Reader, vocab_size: int):
        super().__init__(lines, name, vocab_size)
        self.reader = reader
        self.__dict__["tokenizer"] = _Counts(reader.word_index)

    def fit(self, progress=None, cancelled=None) -> None:
        """Nothing to fit: the vocabulary is the model's."""

    def with_num_words(self, num_words: int) -> Corpus:
        return self

    def words(self, sentence: str) -> list[str]:
        return self.reader.tokens_and_ids(sentence)[0]

    def encode(self, sentences: list[str], maxlen: int | None, padding: str,
               truncating: str) -> list[Encoded]:
        pairs = [self.reader.tokens_and_ids(sentence) for sentence in sentences]
        padded = self.reader.pad([ids for _, ids in pairs], maxlen)
        width = padded.shape[1]
        rows = []
        for sentence, (tokens, ids), row in zip(sentences, pairs, padded):
            token_at, dropped = placement(len(ids), width, self.reader.padding,
                                           self.reader.padding)
            rows.append(Encoded(sentence, tuple(tokens), tuple(ids), row, token_at < 0,
                                token_at, dropped))
        return rows


class LayerReader(Reader):
    """A TextVectorization, StringLookup or IntegerLookup layer at the model's input."""

    kind = "layer"
    padding = "post"

    def __init__(self, layer, path: str):
        self.layer = layer
        self.layer_kind = type(layer).__name__
        check_reader_layer(layer, path)
        vocabulary = [str(v) for v in layer.get_vocabulary()]
        self.vocabulary = vocabulary
        # Every token but the padding (''), as word -> id: the lab's word_index.
        self.word_index = {token: i for i, token in enumerate(vocabulary) if i > 0 or token}
        self.vocabulary_source = f"the model's {self.layer_kind} ({len(vocabulary):,} tokens)"
        config = layer.get_config()
        self.maxlen = config.get("output_sequence_length") if self.layer_kind == \
            "TextVectorization" else None
        self.token_name = "character" if config.get("split") == "character" else "token"

    def _preprocess(self, texts: list[str]):
        """The layer's standardize and split (TextVectorization), as a list of token lists."""
        tf = tf_loader.tensorflow()
        if self.layer_kind != "TextVectorization":  # a lookup takes tokens split on spaces
            return [text.split() for text in texts]
        ragged = self.layer._preprocess(tf.constant(texts))
        if isinstance(ragged, tf.RaggedTensor):
            rows = ragged.to_list()
        else:
            rows = np.asarray(ragged).tolist()
            rows = [row if isinstance(row, list) else [row] for row in rows]
        return [[t.decode("utf-8", "replace") if isinstance(t, bytes) else str(t) for t in row]
                for row in rows]

    def tokens_and_ids(self, text: str):
        """Every token and its id (the padding and the cut at output_sequence_length are
        pad's): TextVectorization's tokens looked up in its vocabulary, checked against the
        layer's own ids; a lookup layer called on the tokens."""
        tf = tf_loader.tensorflow()
        tokens = self._preprocess([text])[0]
        if self.layer_kind == "TextVectorization":
            oov = self.word_index.get("[UNK]", 1)
            ids = [self.word_index.get(token, oov) for token in tokens]
            own = np.asarray(self.layer(tf.constant([text])))[0].tolist()
            shared = min(len(ids), len(own))
            if ids[:shared] != own[:shared]:  # never expected: say so rather than show wrong ids
                raise LabError(f"the lab's reading of {text[:40]!r} differs from the model's "
                               f"TextVectorization ({ids[:shared]} against {own[:shared]})")
        else:
            values = tokens if self.layer_kind == "StringLookup" else [_integer(t) for t in tokens]
            ids = np.asarray(self.layer(tf.constant([values]))).reshape(-1).tolist() \
                if values else []
        return tokens, [int(i) for i in ids]

    def pad(self, id_rows: list[list[int]], maxlen: int | None) -> np.ndarray:
        """After the text, as the layer pads (0 = its padding); cut at maxlen, the end going."""
        width = maxlen or self.maxlen or max([len(row) for row in id_rows] + [1])
        padded = np.zeros((len(id_rows), width), np.int32)
        for b, row in enumerate(id_rows):
            row = row[:width]
            padded[b, :len(row)] = row
        return padded

    def corpus(self, lines, name: str, vocab_size: int) -> Corpus:
        return ReaderCorpus(lines, name, self, vocab_size)


def _integer(token: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise LabError(f"{token!r} is not a whole number: this model's IntegerLookup reads "
                       f"numbers written with spaces between them") from None


def check_reader_layer(layer, path: str) -> None:
    """LabError, naming the setting, for a preprocessing layer that gives no ids."""
    config = layer.get_config()
    name = type(layer).__name__
    mode = config.get("output_mode", "int")
    if mode != "int":
        raise LabError(f"{path}: its {name} has output_mode={mode!r}, which gives one vector per "
                       f"text, not a sequence of ids to step; the lab opens output_mode='int'")
    if name == "TextVectorization":
        if config.get("ngrams"):
            raise LabError(f"{path}: its TextVectorization has ngrams={config['ngrams']!r}; "
                           f"the lab steps one token at a time (ngrams=None)")
        for setting, allowed in (("standardize", TEXT_STANDARDIZE), ("split", TEXT_SPLIT)):
            value = config.get(setting)
            if value not in allowed:
                raise LabError(f"{path}: its TextVectorization's {setting} is Python code "
                               f"({value!r}); the lab opens the built-in ones "
                               f"({', '.join(repr(a) for a in allowed)})")
    if config.get("num_oov_indices", 1) != 1:
        raise LabError(f"{path}: its {name} has num_oov_indices={config['num_oov_indices']}; "
                       f"the lab opens one out-of-vocabulary id (num_oov_indices=1)")
    if name != "TextVectorization" and config.get("mask_token") is None:
        raise LabError(f"{path}: its {name} has no mask_token, so no id means padding; the "
                       f"lab pads lines and opens a {name} with mask_token set "
                       f"({'mask_token=0' if name == 'IntegerLookup' else repr('')})")


class CharacterReader(Reader):
    """One-hot characters (keras.io's character-level text generation)."""

    kind = "characters"
    token_name = "character"

    def __init__(self, characters: list[str], source: str, input_dim: int):
        if len(characters) != input_dim:
            raise LabError(f"{source} gives {len(characters)} characters, but the model reads "
                           f"one-hot rows of {input_dim}: it was built from another text")
        self.characters = characters
        self.word_index = {c: i + 1 for i, c in enumerate(characters)}
        self.vocabulary_source = source

    @staticmethod
    def characters_of(text: str) -> list[str]:
        """sorted(set(text)) of the text lower-cased, newlines read as spaces (the recipe's)."""
        return sorted(set(text.lower().replace("\n", " ")))

    def tokens_and_ids(self, text: str):
        tokens = [c for c in text.lower().replace("\n", " ") if c in self.word_index]
        return tokens, [self.word_index[c] for c in tokens]

    def pad(self, id_rows: list[list[int]], maxlen: int | None) -> np.ndarray:
        """Before the text, keeping its last maxlen characters (what the recipe predicts
        from); padding is a row of zeros, no character."""
        width = maxlen or max([len(row) for row in id_rows] + [1])
        padded = np.zeros((len(id_rows), width), np.int32)
        for b, row in enumerate(id_rows):
            row = row[-width:]
            if row:
                padded[b, width - len(row):] = row
        return padded

    def model_input(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        one_hot = np.zeros(ids.shape + (len(self.characters),), np.float32)
        b, t = np.nonzero(ids)
        one_hot[b, t, ids[b, t] - 1] = 1.0
        return one_hot

    def corpus(self, lines, name: str, vocab_size: int) -> Corpus:
        return ReaderCorpus(lines, name, self, vocab_size)
