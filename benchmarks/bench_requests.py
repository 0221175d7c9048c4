"""The fixed request set for benchmarks/search_speed.py: at least 200 requests of five kinds.

- keyword: free words only (no tag names, or tag names inside a longer description);
- tag: tag intents, explicit (#tag, tag:x) or inferred ("pytorch tutorials on ...");
- exclusion: "not x", "without x", "-x", "-#x";
- common: very common words ("learning", "code", "model", "data", "deep learning");
- other: phrases and sort words.

The list is built deterministically (fixed seed), independent of the catalog.
"""

from __future__ import annotations

import random

SEED = 20261128

TOPICS = [
    "object detection",
    "image segmentation",
    "transformers",
    "bert",
    "gans",
    "reinforcement learning",
    "time series",
    "graph neural networks",
    "speech recognition",
    "recommender systems",
    "anomaly detection",
    "question answering",
    "text classification",
    "sentiment analysis",
    "machine translation",
    "pose estimation",
    "face recognition",
    "style transfer",
    "autoencoders",
    "embeddings",
    "attention",
    "data augmentation",
    "hyperparameter optimization",
    "model deployment",
    "interpretability",
    "federated learning",
    "self-supervised learning",
    "knowledge distillation",
    "ocr",
    "named entity recognition",
    "image captioning",
    "super resolution",
    "audio",
    "tabular data",
    "computer vision",
    "natural language processing",
    "mlops",
    "active learning",
    "meta learning",
    "contrastive learning",
    "topic modeling",
    "summarization",
]
FRAMEWORKS = ["pytorch", "tensorflow", "keras", "jax", "scikit-learn", "huggingface", "fastai", "spacy"]
RESOURCES = ["tutorials", "papers", "notebooks", "libraries", "code", "videos", "datasets", "articles"]

KEYWORD = [
    "how to train a model on very small data",
    "fast inference on a cpu",
    "explain predictions of a classifier",
    "visualize high dimensional vectors",
    "detect fake news",
    "predict stock prices",
    "generate music",
    "chatbot for customer support",
    "deploy a model behind an api",
    "label images quickly",
    "compress a neural network for mobile",
    "clean messy text",
    "count people in a video",
    "track experiments",
    "search similar images",
    "translate sign language",
    "colorize old photos",
    "detect plant disease",
    "forecast electricity demand",
    "summarize long documents",
    "extract tables from pdf",
    "drone navigation",
    "medical image diagnosis",
    "self driving car lane detection",
    "protein structure prediction",
    "handwriting recognition",
    "keyword extraction",
    "music genre classification",
    "satellite imagery",
    "fraud detection on transactions",
    "optimize gpu memory",
    "distributed training on many machines",
    "zero shot classification",
    "few shot learning benchmark",
    "adversarial examples robustness",
    "causal inference",
    "bayesian optimization",
    "spelling correction",
    "emotion recognition from voice",
    "traffic sign detection",
    "document layout analysis",
    "3d reconstruction from photos",
]
COMMON = [
    "learning",
    "code",
    "model",
    "data",
    "deep learning",
    "machine learning",
    "learning code",
    "machine learning code",
    "deep learning code",
    "python code",
    "neural network",
    "learning models",
    "data science",
    "training",
    "models and data",
    "ml",
    "ai",
    "network",
    "learning learning",
    "code code",
]
OTHER = [
    '"neural network"',
    '"object detection"',
    '"machine learning" tutorial',
    '"deep learning" pytorch',
    '"data augmentation"',
    "newest transformers",
    "latest pytorch tutorials",
    "oldest gans papers",
    "newest first object detection",
    "recent reinforcement learning papers",
    '"time series" forecasting',
    '"question answering" bert',
    "most recent nlp libraries",
    "newest code",
    "oldest computer vision tutorials",
]


def build() -> list[tuple[str, str]]:
    """(kind, request) pairs, always the same."""
    rng = random.Random(SEED)
    out: list[tuple[str, str]] = [("keyword", r) for r in KEYWORD]
    out += [("common", r) for r in COMMON]
    out += [("other", r) for r in OTHER]
    for _ in range(60):
        topic, framework, resource = rng.choice(TOPICS), rng.choice(FRAMEWORKS), rng.choice(RESOURCES)
        out.append(
            (
                "tag",
                rng.choice(
                    [
                        f"{framework} {resource} on {topic}",
                        f"{topic} {resource}",
                        f"#{topic.replace(' ', '-')}",
                        f"tag:{framework} {topic}",
                        f"{resource} about {topic} in {framework}",
                        f"{topic}",
                        f"#{framework} #{resource.rstrip('s')}",
                    ]
                ),
            )
        )
    for _ in range(45):
        topic, framework, resource = rng.choice(TOPICS), rng.choice(FRAMEWORKS), rng.choice(RESOURCES)
        other = rng.choice([t for t in TOPICS if t != topic])
        out.append(
            (
                "exclusion",
                rng.choice(
                    [
                        f"{topic} not {framework}",
                        f"{topic} -{framework}",
                        f"{resource} on {topic} without {other}",
                        f"{topic} -#{framework}",
                        f"{framework} {resource} excluding {other}",
                        f"{topic} but not {resource}",
                        f"learning not {framework}",
                        f"code -{framework}",
                    ]
                ),
            )
        )
    for _ in range(25):
        topic = rng.choice(TOPICS)
        out.append(
            (
                "common",
                rng.choice(
                    [
                        f"learning {topic}",
                        f"{topic} code",
                        f"deep learning {topic}",
                        f"machine learning for {topic}",
                        f"{topic} model training data",
                    ]
                ),
            )
        )
    return list(dict.fromkeys(out))  # no request twice


REQUESTS = build()
