"""Further synthetic sources for the demo workspace, each in the format of a real source.

- ESL questions in the LMSYS ``conversation`` format: a learner asks about two easily confused
  words; the tutor shows two examples and asks the learner to notice the difference.
- Writing help in the ShareGPT/Magpie ``conversations`` format: a learner asks for a check of a
  sentence; the tutor hints without giving the answer away.
- Encouragement in the Prosocial ``context``/``response`` format: a learner's worry about
  speaking English, answered with support and a question.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from engine.records import dedup_key, normalise_messages
from engine.synth import realise
from engine.synth.bank import ACKS, FRAMES, HINTS, REFLECT

# (a, b, example with a, example with b, noticing question, learner's idea, own sentence)
CONTRASTS: tuple[tuple[str, ...], ...] = (
    (
        "make",
        "do",
        "I make a cake for my friend.",
        "I do my homework after school.",
        "Which verb is about creating something new, and which is about a task?",
        "Make is for creating something, and do is for tasks?",
        "I do the dishes after dinner.",
    ),
    (
        "say",
        "tell",
        "She said hello.",
        "She told me a story.",
        "Which verb has a person right after it?",
        "Tell has a person after it, like tell me?",
        "My friend told me a secret.",
    ),
    (
        "since",
        "for",
        "I have lived here since 2020.",
        "I have lived here for five years.",
        "Which word gives a starting point, and which gives a length of time?",
        "Since is the start, and for is how long?",
        "I have studied English for three years.",
    ),
    (
        "much",
        "many",
        "How much water do you drink?",
        "How many bottles do you drink?",
        "Which word goes with things you can count one by one?",
        "Many is for things we can count?",
        "How many friends came to the party?",
    ),
    (
        "bored",
        "boring",
        "I am bored in this meeting.",
        "This meeting is boring.",
        "Which word describes how a person feels, and which describes the thing that causes it?",
        "Bored is the feeling and boring is the thing?",
        "The lesson was boring, so I was bored.",
    ),
    (
        "borrow",
        "lend",
        "Can I borrow your pen?",
        "Can you lend me your pen?",
        "In each sentence, who gives the pen and who receives it?",
        "When I borrow, I receive, and when I lend, I give?",
        "Can you lend me your notes?",
    ),
    (
        "bring",
        "take",
        "Please bring your book to class.",
        "Take an umbrella when you go out.",
        "In which sentence does the thing move toward the speaker?",
        "Bring is toward here, take is away from here?",
        "I will take my camera on the trip.",
    ),
    (
        "fun",
        "funny",
        "The party was fun.",
        "The joke was funny.",
        "Which word makes you laugh, and which means you enjoyed yourself?",
        "Funny makes me laugh, and fun is a good time?",
        "The game was fun and my brother was funny.",
    ),
    (
        "in",
        "on",
        "My birthday is in July.",
        "My birthday is on Monday this year.",
        "Which word do we use with months, and which with days?",
        "In is for months and on is for days?",
        "My exam is on Friday.",
    ),
    (
        "few",
        "a few",
        "I have few friends here.",
        "I have a few friends here.",
        "Which sentence sounds more positive to you?",
        "A few sounds more positive, like some?",
        "I have a few ideas for the project.",
    ),
    (
        "used to",
        "be used to",
        "I used to swim every day.",
        "I am used to the cold weather.",
        "Which one talks about a past habit, and which about something that feels normal now?",
        "Used to is the past habit, and be used to is normal now?",
        "I am used to waking up early.",
    ),
    (
        "listen",
        "hear",
        "I listen to music every evening.",
        "I heard a strange noise last night.",
        "Which verb needs attention and effort, and which just happens?",
        "Listen needs attention, and hear just happens?",
        "I listened carefully to the teacher.",
    ),
    (
        "look",
        "see",
        "Look at the board, please.",
        "I can see the mountains from my window.",
        "Which verb is something you choose to do?",
        "Look is a choice, and see just happens with my eyes?",
        "Look at this beautiful photo!",
    ),
    (
        "rob",
        "steal",
        "They robbed the bank.",
        "They stole the money.",
        "What comes after each verb: the place or person, or the thing that is taken?",
        "We rob a place or person, but we steal a thing?",
        "Someone stole my bike yesterday.",
    ),
    (
        "affect",
        "effect",
        "The weather affects my mood.",
        "The weather has an effect on my mood.",
        "Which word is a verb, and which is a noun?",
        "Affect is the verb, and effect is the noun?",
        "Music has a big effect on me.",
    ),
    (
        "quite",
        "quiet",
        "The test was quite easy.",
        "The library is very quiet.",
        "Which word is about sound, and which one changes how strong an adjective is?",
        "Quiet is about no noise, and quite is like very?",
        "The room was quiet and quite cold.",
    ),
)
QUESTION_FORMS = (
    'What\'s the difference between "{a}" and "{b}"?',
    'I always confuse "{a}" and "{b}". Can you help me?',
    'When do I use "{a}" and when do I use "{b}"?',
    'My teacher says I mix up "{a}" and "{b}". How can I remember?',
    'In {l1} we have one word for "{a}" and "{b}". How do I choose in English?',
)
OPENERS = (
    "Good question!",
    "Great question, lots of learners ask this.",
    "Let's work it out together.",
    "This one is tricky for many people.",
)
CHALLENGES = (
    'Can you make your own sentence with "{b}"?',
    'Could you try a sentence about your day with "{b}"?',
    'How would you use "{b}" in a sentence about your week?',
)

CHECK_REQUESTS = (
    "Can you check my sentence?",
    "Is this sentence correct?",
    "I wrote this for my homework:",
    "How does this sound?",
    "My friend says this sentence is strange. Is it?",
)
HINT_OPENERS = (
    "You're very close!",
    "Nice sentence, it's almost there.",
    "Good work, just one small thing to look at.",
    "I like what you wrote!",
)

# (worry template, responses); the responses use the worry's choices as {0}, {1}.
WORRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "I'm too {shy|nervous|embarrassed} to speak English in {class|meetings|front of people}.",
        (
            "Feeling {0} is really common, and it shows you care. What is one small moment in {1} where you could try a short sentence?",
            "Many learners feel {0} at first, and it gets easier with practice. Would it help to prepare one sentence before {1}?",
            "Thank you for telling me. Being {0} doesn't mean your English isn't good. What would make {1} feel safer for you?",
        ),
    ),
    (
        "People don't understand my accent when I {order food|talk on the phone|ask for directions}.",
        (
            "An accent is part of who you are, and being understood is a skill we can practise. Which words are hardest when you {0}?",
            "That can be frustrating. Often slowing down a little helps more than changing the accent. Shall we practise what you say when you {0}?",
            "Lots of people with strong accents communicate very well. What happens when someone doesn't understand you? What do you do next?",
        ),
    ),
    (
        "I have studied English for {three|five|ten} years but I still can't {understand movies|speak fluently|write emails quickly}.",
        (
            "{0} years of study is a real foundation, even if it doesn't feel like it. What kind of practice have you done for this so far?",
            "Many learners feel stuck like this, and it usually means it's time for a different kind of practice. What would you like to be able to do first?",
            "That feeling is very common. Could you tell me about a time when English went well for you?",
        ),
    ),
    (
        "I failed my {TOEFL|IELTS|speaking} test {again|last week} and I feel stupid.",
        (
            "I'm sorry, that's disappointing. Failing a test doesn't make you stupid. Which part of the {0} test felt hardest?",
            "That sounds really discouraging. Tests measure one day, not your ability. What would you like to work on before the next try?",
            "It's okay to feel upset. You are still learning, and that takes courage. Do you know your scores for each section?",
        ),
    ),
    (
        "Everyone in my {class|office|group} speaks better English than me.",
        (
            "It can feel that way, but everyone has different strengths. What do you do well in English?",
            "Comparing ourselves is natural, but it can hide our own progress. What can you do now that you couldn't do last year?",
            "That must be hard in your {0}. Is there one person there you feel comfortable practising with?",
        ),
    ),
    (
        "I forget new words {the next day|after one week|very fast}.",
        (
            "Forgetting is a normal part of learning, so you're not alone. How do you usually study new words?",
            "Our memory needs to meet a word many times. Would you like to try reviewing words a few times over the week?",
            "That happens to everyone. Which words do you remember well, and why do you think they stick?",
        ),
    ),
    (
        "When someone speaks {fast|with a lot of slang|with a strong accent}, I get lost and stop talking.",
        (
            "That's very common. It's fine to ask people to slow down. What phrase could you use to ask them?",
            "Getting lost sometimes is part of real conversation. What usually helps you find your way back?",
            "You don't need to understand every word. Can you usually catch the main idea?",
        ),
    ),
    (
        "I'm afraid people will laugh at my {grammar|pronunciation|mistakes}.",
        (
            "That fear is very understandable. Most people are focused on your message, not your {0}. Has anyone actually laughed at you?",
            "Mistakes are how we learn, and being brave enough to speak is the hardest part. What would you say if you weren't afraid?",
            "I won't laugh, I promise. Would you like to practise here first, where it's safe?",
        ),
    ),
    (
        "I'm {too tired|too busy} to practise English after {work|school|dinner}.",
        (
            "That's real, and rest matters too. Could five minutes of practice fit somewhere in your day?",
            "Being {0} after {1} is normal. What small English activity do you actually enjoy?",
            "Learning doesn't always need extra time. Could you listen to English on your way to {1}?",
        ),
    ),
    (
        "My {children|friends|colleagues} correct my English all the time and it makes me feel bad.",
        (
            "It sounds like those corrections hurt, even if they mean well. How would you like them to help you instead?",
            "Your feelings make sense. Would it help to tell your {0} when you want corrections and when you just want to talk?",
            "Being corrected constantly can make anyone tired. What do you feel proud of in your English?",
        ),
    ),
)
WORRY_PREFIXES = ("", "Honestly, ", "To be honest, ", "Sometimes ")

_CHOICE = re.compile(r"\{([^{}]*\|[^{}]*)\}")


def _choose(template: str, rng: random.Random) -> tuple[str, list[str]]:
    slots: list[str] = []

    def pick(m: re.Match[str]) -> str:
        slots.append(rng.choice(m.group(1).split("|")))
        return slots[-1]

    return _CHOICE.sub(pick, template), slots


def esl_question(rng: random.Random, l1: str) -> dict[str, Any]:
    a, b, ex_a, ex_b, notice, idea, own = rng.choice(CONTRASTS)
    length = rng.choice((2, 4, 6))
    forms = QUESTION_FORMS if l1 else QUESTION_FORMS[:-1]
    turns = [
        {"role": "user", "content": rng.choice(forms).format(a=a, b=b, l1=l1)},
        {
            "role": "assistant",
            "content": f'{rng.choice(OPENERS)} Look at these two sentences: "{ex_a}" and "{ex_b}". {notice}',
        },
    ]
    if length >= 4:
        turns.append({"role": "user", "content": idea})
        turns.append(
            {
                "role": "assistant",
                "content": f"{rng.choice(ACKS)} {rng.choice(CHALLENGES).format(b=b)}",
            }
        )
    if length >= 6:
        turns.append({"role": "user", "content": own})
        turns.append(
            {
                "role": "assistant",
                "content": f'{rng.choice(ACKS)} That\'s a natural use of "{b}". Now, how about a sentence with "{a}"?',
            }
        )
    return {"conversation": turns, "language": "English", "model": "quimbot-synth"}


def writing_help(rng: random.Random) -> dict[str, Any]:
    frame = rng.choice(FRAMES)
    r = realise(frame, rng)
    hint = rng.choice(HINTS[frame.error_type]).format(*r.slots, bad=r.bad, fix=r.fix)
    turns = [
        {"from": "human", "value": f'{rng.choice(CHECK_REQUESTS)} "{r.wrong}"'},
        {"from": "gpt", "value": f"{rng.choice(HINT_OPENERS)} {hint}"},
    ]
    if rng.random() < 0.6:
        turns.append({"from": "human", "value": f'Is it "{r.right}"?'})
        turns.append(
            {
                "from": "gpt",
                "value": f"{rng.choice(ACKS)} That sounds natural now. {REFLECT[frame.error_type]}",
            }
        )
    return {"conversations": turns, "error_type": frame.error_type}


def encouragement(rng: random.Random) -> dict[str, Any]:
    worry, responses = rng.choice(WORRIES)
    text, slots = _choose(worry, rng)
    prefix = rng.choice(WORRY_PREFIXES)
    if prefix and not text.startswith("I "):
        text = text[:1].lower() + text[1:]
    response = rng.choice(responses).format(*slots)
    return {"context": prefix + text, "response": response, "safety_label": "__casual__"}


def unique_records(
    make: Callable[[random.Random], dict[str, Any]],
    to_messages: Callable[[dict[str, Any]], list[dict[str, str]]],
    count: int,
    rng: random.Random,
    seen: set[str],
) -> list[dict[str, Any]]:
    """Draw records until ``count`` distinct ones (by dedup key) or the bank runs dry."""
    out: list[dict[str, Any]] = []
    misses = 0
    while len(out) < count and misses < 2000 + 20 * count:
        record = make(rng)
        key = dedup_key(normalise_messages(to_messages(record)))
        if key in seen:
            misses += 1
            continue
        seen.add(key)
        out.append(record)
    return out
