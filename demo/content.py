"""A small demo set written for this project, loaded into an empty embedded database.

It shows every screen something to look at: questions in two channels with
Mermaid diagrams and markdown, a flagged one with its history, a
certification, a learning path, a voice session, work queue items and bot runs.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from bots.models import BotRun, LedgerEntry, WorkItem
from core import encodings
from core.databases import CONTENT_DB
from interview.models import (
    ChannelMapping,
    Question,
    QuestionHistory,
    QuestionRelationship,
)
from learning.models import Certification, LearningPath, VoiceSession

DEMO_QUESTIONS: list[dict[str, object]] = [
    {
        "id": "q-1",
        "question": "What happens when you type a URL into a browser and press Enter?",
        "answer": "DNS resolution, a TCP (and TLS) handshake, an HTTP request, and rendering of the response.",
        "explanation": (
            "## The short version\n\n"
            "1. The browser resolves the host name with **DNS**.\n"
            "2. It opens a TCP connection and negotiates *TLS*.\n"
            "3. It sends an `HTTP GET` and renders the HTML it gets back.\n\n"
            "> Caches short-circuit most of these steps on a second visit."
        ),
        "diagram": (
            "sequenceDiagram\n"
            "    participant B as Browser\n"
            "    participant D as DNS\n"
            "    participant S as Server\n"
            "    B->>D: resolve example.com\n"
            "    D-->>B: 93.184.216.34\n"
            "    B->>S: GET /\n"
            "    S-->>B: 200 OK (HTML)"
        ),
        "difficulty": "beginner",
        "tags": ["networking", "http", "dns"],
        "channel": "system-design",
        "sub_channel": "fundamentals",
        "companies": ["Google", "Amazon"],
        "eli5": "Your browser looks up the address, knocks on the server's door and asks for the page.",
        "tldr": "DNS, TCP/TLS, HTTP, render.",
        "relevance_score": 92,
        "voice_keywords": ["dns", "tcp", "tls", "http"],
        "voice_suitable": True,
    },
    {
        "id": "q-2",
        "question": "How would you design a rate limiter for a public API?",
        "answer": "Use a token bucket per client key, stored in a shared fast store, enforced at the gateway.",
        "explanation": (
            "A **token bucket** refills at a fixed rate and allows bursts up to its size.\n\n"
            "| Algorithm | Bursts | Memory |\n|---|---|---|\n"
            "| Token bucket | yes | O(1) |\n| Sliding log | no | O(n) |"
        ),
        "diagram": "flowchart LR\n    C[Client] --> G{Gateway}\n    G -->|tokens left| A[API]\n    G -->|empty| R[429 Too Many Requests]",
        "difficulty": "intermediate",
        "tags": ["rate-limiting", "api", "scalability"],
        "channel": "system-design",
        "sub_channel": "scalability",
        "companies": ["Stripe", "Cloudflare"],
        "relevance_score": 88,
        "job_title_relevance": {"backend-engineer": 95, "sre": 80},
        "experience_level_tags": ["mid", "senior"],
        "voice_suitable": True,
    },
    {
        "id": "q-3",
        "question": "Explain the difference between a process and a thread.",
        "answer": "A process has its own address space; threads share their process's memory.",
        "explanation": "Threads are cheaper to create and switch, but shared memory needs **synchronisation**.",
        "diagram": "graph TD\n    P[Process] --> T1[Thread 1]\n    P --> T2[Thread 2]\n    P --> M[(Shared memory)]",
        "difficulty": "beginner",
        "tags": ["os", "concurrency"],
        "channel": "algorithms",
        "sub_channel": "concurrency",
        "companies": ["Microsoft"],
        "relevance_score": 75,
        "voice_suitable": False,
    },
    {
        "id": "q-4",
        "question": "Find the length of the longest substring without repeating characters.",
        "answer": "Slide a window over the string, moving its start past the last seen duplicate: O(n).",
        "explanation": "```python\ndef longest(s):\n    seen, start, best = {}, 0, 0\n    for i, c in enumerate(s):\n        if seen.get(c, -1) >= start:\n            start = seen[c] + 1\n        seen[c] = i\n        best = max(best, i - start + 1)\n    return best\n```",
        "difficulty": "intermediate",
        "tags": ["sliding-window", "strings"],
        "channel": "algorithms",
        "sub_channel": "strings",
        "companies": ["Amazon", "Bloomberg"],
        "relevance_score": 81,
        "status": "flagged",
    },
    {
        "id": "q-5",
        "question": "What is consistent hashing and why do caches use it?",
        "answer": "It maps keys and nodes onto a ring so adding a node moves only ~1/n of the keys.",
        "explanation": "Virtual nodes smooth out the load between physical nodes.",
        "difficulty": "advanced",
        "tags": ["hashing", "distributed-systems"],
        "channel": "system-design",
        "sub_channel": "scalability",
        "companies": ["Akamai"],
        "relevance_score": 70,
    },
]


def database_is_empty() -> bool:
    return not Question.objects.exists()


@transaction.atomic(using=CONTENT_DB)
def load_demo_content() -> dict[str, int]:
    """Insert the demo set; returns how many rows each table got."""
    now = encodings.node_now()
    questions = [
        Question(created_at=now - timedelta(days=10 - i), last_updated=now - timedelta(days=5 - i), **spec)
        for i, spec in enumerate(DEMO_QUESTIONS)
    ]
    Question.objects.bulk_create(questions)
    ChannelMapping.objects.bulk_create(
        ChannelMapping(channel_id=q.channel, sub_channel=q.sub_channel, question_id=q.id) for q in questions
    )
    QuestionRelationship.objects.bulk_create(
        [
            QuestionRelationship(source_question_id="q-1", target_question_id="q-2",
                                 relationship_type="follow_up", strength=70),
            QuestionRelationship(source_question_id="q-2", target_question_id="q-5",
                                 relationship_type="deeper_dive", strength=85),
        ]
    )
    QuestionHistory.objects.bulk_create(
        [
            QuestionHistory(
                question_id="q-2", event_type="improved", event_source="bot", source_name="improve-bot",
                changes_summary="Improved answer", changed_fields=["answer"],
                before_snapshot={"answer": "Use a token bucket."},
                after_snapshot={"answer": DEMO_QUESTIONS[1]["answer"]},
                reason="answer too short", created_at=now - timedelta(days=2),
            ),
            QuestionHistory(
                question_id="q-4", event_type="flagged", event_source="bot", source_name="verifier-bot",
                changes_summary="Flagged for review", changed_fields=["status"],
                before_snapshot={"status": "active"}, after_snapshot={"status": "flagged"},
                reason="The explanation's code has no complexity analysis.", created_at=now - timedelta(days=1),
            ),
        ]
    )
    Certification.objects.create(
        id="aws-saa", name="AWS Solutions Architect Associate", provider="Amazon Web Services",
        description="Design resilient, high-performing, secure and cost-optimised architectures on AWS.",
        icon="cloud", color="text-orange-500", difficulty="intermediate", category="cloud",
        estimated_hours=80, exam_code="SAA-C03", official_url="https://aws.amazon.com/certification/",
        domains=[{"id": "resilient", "name": "Design Resilient Architectures", "weight": 26}],
        channel_mappings=[{"channelId": "system-design", "weight": 60}],
        tags=["aws", "cloud"], prerequisites=[], created_at=now,
    )
    LearningPath.objects.create(
        id="skill-system-design", title="System design essentials",
        description="From a URL in the browser to a rate-limited, consistently hashed cache.",
        path_type="skill", difficulty="intermediate", estimated_hours=12,
        question_ids=["q-1", "q-2", "q-5"], channels=["system-design"], tags=["system-design"],
        learning_objectives=["Explain a web request end to end", "Design a rate limiter"],
        milestones=[{"title": "Basics", "questionIds": ["q-1"]}], popularity=42, created_at=now,
    )
    VoiceSession.objects.create(
        id="vs-system-design-1", topic="System design warm-up",
        description="Three spoken questions on web fundamentals and scaling.",
        channel="system-design", difficulty="intermediate", question_ids=["q-1", "q-2", "q-5"],
        total_questions=3, estimated_minutes=9, created_at=now,
    )
    WorkItem.objects.bulk_create(
        [
            WorkItem(item_type="question", item_id="q-3", action="improve", priority=3, status="pending",
                     reason="answer lacks an example", created_by="verifier-bot", created_at=now),
            WorkItem(item_type="question", item_id="q-4", action="verify", priority=2, status="pending",
                     reason="flagged by verifier", created_by="verifier-bot", created_at=now),
            WorkItem(item_type="question", item_id="q-5", action="delete", priority=5, status="pending",
                     reason="duplicate of an older question", created_by="dedupe-bot", created_at=now),
            WorkItem(item_type="question", item_id="q-2", action="enrich", priority=5, status="failed",
                     reason="add companies", created_by="enrich-bot", assigned_to="enrich-bot",
                     created_at=now - timedelta(hours=3), processed_at=now - timedelta(hours=2),
                     result='{"error":"LLM timeout"}'),
        ]
    )
    BotRun.objects.bulk_create(
        [
            BotRun(bot_name="improve-bot", started_at=now - timedelta(hours=5),
                   completed_at=now - timedelta(hours=5) + timedelta(minutes=4), status="completed",
                   items_processed=12, items_updated=3, summary={"message": "run finished", "errors": False}),
            BotRun(bot_name="verifier-bot", started_at=now - timedelta(hours=2),
                   completed_at=now - timedelta(hours=2) + timedelta(minutes=1), status="failed",
                   items_processed=2, summary={"message": "LLM timeout", "errors": True}),
        ]
    )
    LedgerEntry.objects.create(
        bot_name="improve-bot", action="update", item_type="question", item_id="q-2",
        before_state={"answer": "Use a token bucket."},
        after_state={"answer": DEMO_QUESTIONS[1]["answer"]},
        reason="answer too short", created_at=now - timedelta(days=2),
    )
    return {
        "questions": len(questions), "certifications": 1, "learning paths": 1, "voice sessions": 1,
        "work queue items": 4, "bot runs": 2, "history entries": 2,
    }
