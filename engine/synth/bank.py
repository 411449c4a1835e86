"""The error bank of the scaffolding-dialogue generator.

A frame is one learner utterance with one typed error, written in a small template language:

- ``{a|b|c}`` is a free choice; choices are numbered in order of appearance and the tutor's
  templates refer to them as ``{0}``, ``{1}``, ...
- ``[wrong>right]`` marks the error site (exactly one per frame); tutor templates refer to the
  wrong and right forms as ``{bad}`` and ``{fix}``, and to the whole right sentence as ``{right}``.

``recast`` restates the learner's meaning with the right form and no comment on the error;
``follow`` are scenario follow-up questions; ``answers`` are plausible (correct) learner replies.
"""

from __future__ import annotations

from dataclasses import dataclass

L1_PROFILES: dict[str, tuple[str, ...]] = {
    "Spanish": ("subject_omission", "age_have", "preposition", "make_do", "adjective_order"),
    "Mandarin": ("article_omission", "plural_omission", "past_tense", "verb_agreement"),
    "Arabic": ("be_omission", "article_omission", "verb_agreement", "preposition"),
    "Korean": ("article_omission", "plural_omission", "preposition", "subject_omission"),
    "Japanese": ("article_omission", "plural_omission", "uncountable_plural", "preposition"),
    "Portuguese": ("make_do", "present_perfect", "preposition", "gerund_infinitive"),
    "Vietnamese": ("past_tense", "plural_omission", "verb_agreement", "be_omission"),
    "Russian": ("article_omission", "present_perfect", "word_order", "preposition"),
    "French": ("present_perfect", "say_tell", "uncountable_plural", "adjective_order"),
    "Turkish": ("word_order", "article_omission", "comparative", "gerund_infinitive"),
}

LEVELS = ("beginner", "intermediate", "advanced")

SCENARIOS = (
    "daily_routine",
    "travel",
    "food",
    "school",
    "work",
    "family",
    "hobbies",
    "shopping",
    "health",
    "weekend",
)

STRATEGIES = ("recast", "confirm", "choice", "hint", "reflect", "encourage")


@dataclass(frozen=True)
class Frame:
    error_type: str
    scenario: str
    learner: str
    recast: str
    follow: tuple[str, ...]
    answers: tuple[str, ...]


F = Frame
FRAMES: tuple[Frame, ...] = (
    # -- past tense ----------------------------------------------------------------------
    F(
        "past_tense",
        "travel",
        "Last {summer|year|month} I [go>went] to {Mexico|Japan|Italy|Canada} with my {family|friends|sister}.",
        "Oh, you went to {1} with your {2} last {0}!",
        (
            "What was your favourite place there?",
            "What did you eat there?",
            "How long did you stay?",
        ),
        (
            "A small town by the sea. It was beautiful.",
            "We ate a lot of street food. It was delicious.",
            "We stayed for two weeks.",
        ),
    ),
    F(
        "past_tense",
        "weekend",
        "Yesterday I [watch>watched] a {movie|football match|documentary} with my {brother|roommate|parents}.",
        "You watched a {0} with your {1} yesterday? That sounds fun.",
        ("Did you enjoy it?", "What was it about?", "Where did you watch it?"),
        (
            "Yes, it was really exciting.",
            "It was about a team that wins at the last minute.",
            "We watched it at home on the sofa.",
        ),
    ),
    F(
        "past_tense",
        "food",
        "On {Sunday|Friday|Saturday} my {mother|grandmother|father} [cook>cooked] {soup|rice and beans|a big cake} for everyone.",
        "Your {1} cooked {2} for everyone on {0}? How kind!",
        (
            "What is your favourite dish that they make?",
            "How many people were there?",
            "Did you help in the kitchen?",
        ),
        (
            "My favourite is the chicken soup.",
            "There were about ten people.",
            "I helped a little. I cut the vegetables.",
        ),
    ),
    F(
        "past_tense",
        "school",
        "Last {week|night|Monday} I [study>studied] for my {math|history|English} exam for {three|four|five} hours.",
        "You studied for your {1} exam for {2} hours last {0}? That's a lot of work.",
        (
            "How do you feel about the exam now?",
            "What was the hardest part?",
            "Do you like studying alone or with friends?",
        ),
        (
            "I feel more ready now.",
            "The hardest part was remembering the dates.",
            "I like studying with my friends because we help each other.",
        ),
    ),
    # -- verb agreement ------------------------------------------------------------------
    F(
        "verb_agreement",
        "family",
        "My {brother|sister|cousin} [go>goes] to {work|the gym|the market} every {morning|day|weekend}.",
        "Your {0} goes to {1} every {2}? That's a good habit.",
        (
            "What does your {0} do there?",
            "Do you ever go together?",
            "How does your {0} get there?",
        ),
        (
            "I am not sure, but it is a big part of the day.",
            "Sometimes, on Saturdays.",
            "My {0} takes the bus.",
        ),
    ),
    F(
        "verb_agreement",
        "work",
        "My boss [want>wants] me to {finish the report|call the clients|clean the office} before {Friday|noon|five o'clock}.",
        "Your boss wants you to {0} before {1}? That's a tight deadline.",
        (
            "Do you think you can do it in time?",
            "Is your boss usually strict?",
            "What will you do first?",
        ),
        (
            "I think I can, if I start early.",
            "She is strict but fair.",
            "First I will make a plan.",
        ),
    ),
    F(
        "verb_agreement",
        "daily_routine",
        "She [drink>drinks] {coffee|green tea|orange juice} every {morning|afternoon} before {class|work}.",
        "She drinks {0} every {1} before {2}? I like that routine.",
        ("What do you drink in the {1}?", "Does it help her feel awake?", "Do you drink it too?"),
        (
            "I drink water and sometimes tea.",
            "Yes, she says it gives her energy.",
            "No, I prefer milk.",
        ),
    ),
    F(
        "verb_agreement",
        "hobbies",
        "My friend [play>plays] the {guitar|piano|violin} in a {band|café|small orchestra}.",
        "Your friend plays the {0} in a {1}? How cool!",
        (
            "Have you heard them play?",
            "What kind of music do they play?",
            "Do you play an instrument too?",
        ),
        (
            "Yes, I went to a concert last month.",
            "They play jazz and some pop songs.",
            "I want to learn the drums one day.",
        ),
    ),
    # -- article omission ----------------------------------------------------------------
    F(
        "article_omission",
        "work",
        "My {father|aunt|neighbour} is [engineer>an engineer] at a {big|small|new} company.",
        "Your {0} is an engineer at a {1} company? Interesting!",
        (
            "What kind of engineer?",
            "Does your {0} enjoy the job?",
            "Would you like to be an engineer too?",
        ),
        (
            "A civil engineer. The company builds bridges and roads.",
            "Yes, the job is never boring.",
            "Maybe, I like math.",
        ),
    ),
    F(
        "article_omission",
        "shopping",
        "I bought [new phone>a new phone] {yesterday|last weekend|on Monday} because my old one {broke|was too slow}.",
        "You bought a new phone {0} because your old one {1}? I hope you like the new one.",
        ("What do you like most about it?", "Was it expensive?", "Where did you buy it?"),
        (
            "The camera is really good.",
            "It was a little expensive, but it was on sale.",
            "I bought it at a shop near my house.",
        ),
    ),
    F(
        "article_omission",
        "daily_routine",
        "Every day I take [bus>the bus] to {school|work|the city centre}.",
        "You take the bus to {0} every day?",
        ("What do you do during the ride?", "Is the bus usually crowded?", "How long is the ride?"),
        (
            "I listen to podcasts in English.",
            "In the morning it is very crowded.",
            "About thirty minutes.",
        ),
    ),
    F(
        "article_omission",
        "family",
        "My {brother|sister|cousin} has [cat>a cat] and {two dogs|a rabbit|a parrot}.",
        "Your {0} has a cat and {1}? That's a busy house!",
        ("What are their names?", "Do they get along?", "Would you like a pet too?"),
        (
            "The cat is called Luna.",
            "Most of the time they are friends.",
            "Yes, I would love a dog.",
        ),
    ),
    # -- plural omission -----------------------------------------------------------------
    F(
        "plural_omission",
        "school",
        "I have {three|four|five} [book>books] from the {library|bookshop|teacher}.",
        "You have {0} books from the {1}?",
        (
            "Which one is your favourite?",
            "What are they about?",
            "When do you have to return them?",
        ),
        (
            "The one about space is my favourite.",
            "They are about history and science.",
            "I have to return them next week.",
        ),
    ),
    F(
        "plural_omission",
        "family",
        "I have two [sister>sisters] and one {brother|cousin} who lives with us.",
        "You have two sisters? And one {0} at home too, that's a full house!",
        ("Are you the oldest?", "What do you like to do together?", "Do you share a room?"),
        (
            "No, I am the youngest.",
            "We like to cook together on Sundays.",
            "Yes, I share a room with my sister.",
        ),
    ),
    F(
        "plural_omission",
        "hobbies",
        "I have {many|a lot of|lots of} [friend>friends] in my {football|chess|dance} club.",
        "You have {0} friends in your {1} club? That's wonderful.",
        (
            "How often do you meet?",
            "How did you join the club?",
            "What do you enjoy most about it?",
        ),
        ("We meet twice a week.", "A classmate invited me.", "I enjoy the games on Saturday."),
    ),
    # -- be omission ---------------------------------------------------------------------
    F(
        "be_omission",
        "family",
        "My {grandfather|uncle|teacher} [very>is very] {funny|kind|tall}.",
        "Your {0} is very {1}? Tell me more!",
        ("What do you like most about him?", "How old is he?", "Do you see him often?"),
        ("He tells jokes at dinner.", "He is seventy-two years old.", "I see him every weekend."),
    ),
    F(
        "be_omission",
        "daily_routine",
        "Today I [tired>am tired] because I {woke up early|worked late|didn't sleep well}.",
        "Oh no, you're tired because you {0}? Take it easy today.",
        (
            "What will you do to relax?",
            "Do you often feel like this?",
            "Can you rest this afternoon?",
        ),
        (
            "I will drink tea and read a book.",
            "Only when I have exams.",
            "Yes, I can take a short nap.",
        ),
    ),
    F(
        "be_omission",
        "food",
        "This {soup|pizza|salad} [delicious>is delicious]! Who made it?",
        "The {0} is delicious? I'm glad you like it.",
        (
            "What do you like about the {0}?",
            "Do you know how to make it?",
            "What is your favourite food?",
        ),
        (
            "I like that it is not too salty.",
            "No, but I want to learn.",
            "My favourite food is pasta.",
        ),
    ),
    # -- preposition ---------------------------------------------------------------------
    F(
        "preposition",
        "school",
        "I am good [in>at] {math|drawing|languages} but not {science|sports|music}.",
        "You're good at {0}? That's great.",
        (
            "What do you find hard about {1}?",
            "When did you start to like {0}?",
            "How do you practise {0}?",
        ),
        (
            "I find the rules hard to remember.",
            "I started to like it in primary school.",
            "I practise a little every evening.",
        ),
    ),
    F(
        "preposition",
        "daily_routine",
        "I usually wake up [in>at] {six|seven|half past six} o'clock {on weekdays|during the week}.",
        "You wake up at {0} o'clock {1}? That's early!",
        (
            "What do you do first in the morning?",
            "Do you use an alarm?",
            "Do you sleep late at the weekend?",
        ),
        ("First I make coffee.", "Yes, I have two alarms.", "Yes, on Sundays I sleep until ten."),
    ),
    F(
        "preposition",
        "travel",
        "We arrived [to>in] {London|Madrid|Seoul|Cairo} {late at night|in the afternoon|on Tuesday}.",
        "You arrived in {0} {1}?",
        ("What was your first impression?", "Where did you stay?", "Was the trip tiring?"),
        (
            "The city was bigger than I expected.",
            "We stayed with a friend.",
            "Yes, but I was too excited to sleep.",
        ),
    ),
    F(
        "preposition",
        "hobbies",
        "I am very interested [about>in] {photography|old movies|cooking}.",
        "You're very interested in {0}? That's a wonderful hobby.",
        ("What got you started?", "Who taught you?", "What do you want to try next?"),
        (
            "My uncle showed me how when I was small.",
            "Mostly I taught myself with videos.",
            "I want to try a bigger project with my friends.",
        ),
    ),
    # -- uncountable plural --------------------------------------------------------------
    F(
        "uncountable_plural",
        "work",
        "My manager gave me some useful [advices>advice] about {the project|my presentation|the new software}.",
        "Your manager gave you some useful advice about {0}?",
        ("What did your manager suggest?", "Did it help?", "Do you often ask for help at work?"),
        (
            "She said I should practise the start.",
            "Yes, it helped a lot.",
            "Sometimes, when I am not sure.",
        ),
    ),
    F(
        "uncountable_plural",
        "school",
        "I need more [informations>information] about the {exam|course|trip} next {week|month}.",
        "You need more information about the {0} next {1}?",
        ("Who could you ask?", "What do you want to know?", "Where can you find it?"),
        (
            "I could ask my teacher after class.",
            "I want to know the date and the time.",
            "Maybe on the school website.",
        ),
    ),
    F(
        "uncountable_plural",
        "travel",
        "We took too many [luggages>bags] on our trip to {Paris|Rome|Istanbul}.",
        "You took too many bags to {0}? Packing is hard!",
        ("What did you not use?", "How will you pack next time?", "Did you buy more things there?"),
        (
            "I never wore my warm jacket.",
            "Next time I will take one small bag.",
            "Yes, I bought too many souvenirs.",
        ),
    ),
    # -- word order ----------------------------------------------------------------------
    F(
        "word_order",
        "food",
        "I like [very much coffee>coffee very much], especially {in the morning|after lunch|with milk}.",
        "You like coffee very much, especially {0}? Me too!",
        ("How do you take it?", "How many cups do you drink a day?", "Do you make it at home?"),
        ("With a little sugar.", "Two cups, sometimes three.", "Yes, I have a small machine."),
    ),
    F(
        "word_order",
        "daily_routine",
        "I [go often>often go] to the {park|library|gym} after {school|work|dinner}.",
        "You often go to the {0} after {1}?",
        ("What do you do there?", "Do you go alone?", "Why do you like it?"),
        ("I read and walk around.", "Usually with my best friend.", "It is quiet and relaxing."),
    ),
    # -- comparative ---------------------------------------------------------------------
    F(
        "comparative",
        "travel",
        "The {train|bus|plane} is [more faster>faster] than the {car|boat|bike} for this trip.",
        "The {0} is faster than the {1}? Then it's a good choice!",
        ("Is it expensive?", "Which one do you usually take?", "Which one is more comfortable?"),
        (
            "It is a little more expensive.",
            "I usually take the cheaper one.",
            "The train is more comfortable.",
        ),
    ),
    F(
        "comparative",
        "family",
        "My {sister|brother|cousin} is [more tall>taller] than me, but I am {older|stronger|faster}.",
        "Your {0} is taller than you, but you're {1}? Nice!",
        ("Do you do sports together?", "How much taller is your {0}?", "Who is more competitive?"),
        ("We play basketball together.", "About ten centimetres.", "My {0} is more competitive."),
    ),
    F(
        "comparative",
        "shopping",
        "This jacket is [more cheap>cheaper] than the one in the {other shop|window|mall}.",
        "This jacket is cheaper than the one in the {0}?",
        ("Will you buy it?", "What colour is it?", "Is it warm enough for winter?"),
        ("Yes, I think I will.", "It is dark blue.", "I think it is warm enough."),
    ),
    # -- gerund / infinitive -------------------------------------------------------------
    F(
        "gerund_infinitive",
        "hobbies",
        "I enjoy [to swim>swimming] in the {sea|lake|pool} in {summer|the morning|the evening}.",
        "You enjoy swimming in the {0} in {1}? That sounds refreshing.",
        ("How often do you go?", "Who taught you to swim?", "Is the water cold?"),
        ("I go about twice a week.", "My father taught me.", "A little cold, but I like it."),
    ),
    F(
        "gerund_infinitive",
        "work",
        "I finished [to write>writing] the {email|report|presentation} {an hour ago|this morning|at lunch}.",
        "You finished writing the {0} {1}? Well done!",
        ("What's next on your list?", "Was it difficult?", "Who is it for?"),
        ("Next I have a meeting.", "It was long, but not difficult.", "It is for my team leader."),
    ),
    F(
        "gerund_infinitive",
        "school",
        "I want [learning>to learn] {Spanish|French|Korean} because my {friend|cousin|neighbour} speaks it.",
        "You want to learn {0} because your {1} speaks it? That's a great reason.",
        ("How will you start?", "Can your {1} help you?", "What do you like about {0}?"),
        (
            "I will use an app every day.",
            "Yes, my {1} can practise with me.",
            "I like how it sounds.",
        ),
    ),
    # -- subject omission ----------------------------------------------------------------
    F(
        "subject_omission",
        "daily_routine",
        "[Is>It is] {raining|very cold|very hot} today, so I will stay {at home|inside|in my room}.",
        "It is {0} today? Staying {1} sounds like a good plan.",
        ("What will you do?", "Do you like this weather?", "Will you watch something?"),
        (
            "I will read and clean my room.",
            "Not really, I prefer sunny days.",
            "Maybe a movie in the evening.",
        ),
    ),
    F(
        "subject_omission",
        "work",
        "I like my new job. [Is>It is] {interesting|busy|close to my house}.",
        "Your new job is {0}? I'm glad you like it.",
        ("What do you do there?", "How are your colleagues?", "How long have you worked there?"),
        (
            "I help customers on the phone.",
            "They are friendly and helpful.",
            "For about three months.",
        ),
    ),
    # -- present perfect -----------------------------------------------------------------
    F(
        "present_perfect",
        "daily_routine",
        "I [live>have lived] in this city since {2019|I was ten|last year}.",
        "You've lived in this city since {0}? You must know it well.",
        (
            "What is your favourite part of the city?",
            "Do you want to stay there?",
            "How has it changed?",
        ),
        (
            "I love the park near the river.",
            "Yes, I want to stay for a long time.",
            "There are more cafés now.",
        ),
    ),
    F(
        "present_perfect",
        "hobbies",
        "I [know>have known] my best friend for {ten|five|fifteen} years.",
        "You've known your best friend for {0} years? That's a long friendship!",
        (
            "How did you meet?",
            "What do you like to do together?",
            "What makes your friendship strong?",
        ),
        (
            "We met at primary school.",
            "We like to cook and watch movies.",
            "We always listen to each other.",
        ),
    ),
    F(
        "present_perfect",
        "travel",
        "I never [was>have never been] to {the mountains|another country|the ocean}.",
        "You have never been to {0}?",
        (
            "Where would you like to go first?",
            "What would you like to see?",
            "Who would you go with?",
        ),
        (
            "I would like to go to Switzerland.",
            "I want to see the sunrise.",
            "I would go with my family.",
        ),
    ),
    # -- make / do -----------------------------------------------------------------------
    F(
        "make_do",
        "school",
        "Every evening I [make my homework>do my homework] {after dinner|before dinner|in my room}.",
        "You do your homework {0} every evening? That's very organised.",
        (
            "Which subject takes the longest?",
            "Do you listen to music while you work?",
            "How long does it take?",
        ),
        ("Math takes the longest.", "Yes, quiet music helps me.", "Usually about an hour."),
    ),
    F(
        "make_do",
        "daily_routine",
        "On {Saturdays|Sundays} I [make>do] the cleaning and my {husband|wife|roommate} cooks.",
        "You do the cleaning and your {1} cooks on {0}? That's a fair deal!",
        (
            "Which one do you prefer?",
            "What does your {1} usually cook?",
            "How long does the cleaning take?",
        ),
        ("I prefer cooking, to be honest.", "Usually pasta or soup.", "About two hours."),
    ),
    F(
        "make_do",
        "work",
        "I [did>made] a big mistake in the {report|email|meeting} and my boss noticed.",
        "Oh no, you made a mistake in the {0}?",
        ("What happened next?", "How did your boss react?", "How did you fix it?"),
        ("I fixed it the same day.", "My boss was calm about it.", "I asked a colleague for help."),
    ),
    # -- say / tell ----------------------------------------------------------------------
    F(
        "say_tell",
        "family",
        "My {mother|grandmother|aunt} [said me>told me] to call her {every week|more often|tonight}.",
        "Your {0} told you to call her {1}? She must miss you.",
        ("When did you last call her?", "What do you usually talk about?", "Do you live far away?"),
        (
            "I called her on Sunday.",
            "We talk about food and family news.",
            "Yes, about three hours away.",
        ),
    ),
    F(
        "say_tell",
        "school",
        "The teacher [said us>told us] about the {trip|test|project} next week.",
        "The teacher told you about the {0} next week?",
        (
            "Are you looking forward to it?",
            "What do you need to prepare?",
            "Who will you work with?",
        ),
        ("Yes, I am excited.", "I need to read two chapters.", "I will work with my friend Ana."),
    ),
    # -- age with have -------------------------------------------------------------------
    F(
        "age_have",
        "family",
        "I [have twenty years>am twenty years old] and I live with my {parents|grandparents|aunt}.",
        "You're twenty years old and you live with your {0}?",
        ("How is it living with your {0}?", "Do you help at home?", "What do you study or do?"),
        (
            "It is nice, we eat together every night.",
            "Yes, I help with shopping.",
            "I study nursing.",
        ),
    ),
    # -- adjective order -----------------------------------------------------------------
    F(
        "adjective_order",
        "shopping",
        "I bought a [car red>red car] {last month|yesterday|this year}.",
        "You bought a red car {0}? Congratulations!",
        ("Is it new?", "Where will you drive first?", "Why did you choose red?"),
        (
            "No, it is second-hand but very good.",
            "I want to drive to the beach.",
            "Red is my favourite colour.",
        ),
    ),
    F(
        "adjective_order",
        "shopping",
        "She has a [dress beautiful>beautiful dress] for the {wedding|party|graduation}.",
        "She has a beautiful dress for the {0}?",
        ("What colour is it?", "Where did she buy it?", "Are you going too?"),
        ("It is light green.", "She bought it online.", "Yes, I am going too."),
    ),
    F(
        "adjective_order",
        "hobbies",
        "I have a [dog small>small dog] called {Toby|Max|Coco}.",
        "You have a small dog called {0}? What a sweet name!",
        ("How old is {0}?", "What does {0} like to do?", "Do you walk {0} every day?"),
        ("{0} is three years old.", "{0} loves to play with a ball.", "Yes, twice a day."),
    ),
    # -- health --------------------------------------------------------------------------
    F(
        "verb_agreement",
        "health",
        "My {head|back|stomach} [hurt>hurts] {a lot|a little|since this morning}.",
        "Your {0} hurts {1}? I'm sorry to hear that.",
        ("Have you rested?", "Did you see a doctor?", "Do you know why it hurts?"),
        ("Yes, I lay down for an hour.", "Not yet, maybe tomorrow.", "I think I slept badly."),
    ),
    F(
        "uncountable_plural",
        "health",
        "The doctor gave me some [medicines>medicine] for my {cough|cold|allergy}.",
        "The doctor gave you some medicine for your {0}? I hope you feel better soon.",
        ("How do you feel now?", "How often do you take it?", "Did the doctor say anything else?"),
        (
            "I feel a little better.",
            "Twice a day, after meals.",
            "She said I should drink more water.",
        ),
    ),
)

ERROR_TYPES: tuple[str, ...] = tuple(sorted({f.error_type for f in FRAMES}))

HINTS: dict[str, tuple[str, ...]] = {
    "past_tense": (
        'That happened in the past, right? How do we say "{bad}" when it already happened?',
        'Nice story! Think about the time word in your sentence. What is the past form of "{bad}"?',
    ),
    "verb_agreement": (
        'Look at who does the action. With he, she or it, what happens to "{bad}"?',
        'Good! Now think about the subject. Does "{bad}" need a small change here?',
    ),
    "article_omission": (
        'Almost there! Is there a small word missing before "{bad}"?',
        'Nice sentence. What little word often comes before a job or a single thing, like "{bad}"?',
    ),
    "plural_omission": (
        'How many are there? When there is more than one, what do we add to "{bad}"?',
        'Good! There is more than one, so how does "{bad}" change?',
    ),
    "be_omission": (
        'I understand you! Which small verb could go before "{bad}" to link the ideas?',
        'Close! Which form of "to be" fits before "{bad}"?',
    ),
    "preposition": (
        'Nice! Which little word usually goes here instead of "{bad}"?',
        'Good try. Think about the phrase: which preposition sounds natural instead of "{bad}"?',
    ),
    "uncountable_plural": (
        'Can we count this word, like one, two, three? How does that change "{bad}"?',
        'Interesting! Is "{bad}" a word we can count, or not?',
    ),
    "word_order": (
        'I understand! Where do words like "very much", "often" or "always" usually go in the sentence?',
        'Close! Can you try moving the words around in "{bad}"?',
    ),
    "comparative": (
        'Good comparison! With a short adjective, do we need "more"? How would you say it?',
        "Nice! How do we compare two things with a short word like this?",
    ),
    "gerund_infinitive": (
        'Good! After this verb, do we use "to ..." or "...ing"? How would it sound?',
        'Close! Which form comes after this verb: "{bad}" or another form?',
    ),
    "subject_omission": (
        "I understand! In English every sentence needs a subject. What word could start it?",
        'Good! What small word could come before "{bad}" to be the subject?',
    ),
    "present_perfect": (
        "Since this is still true now, which tense could connect the past and the present?",
        'Good! It started in the past and continues now. How does that change "{bad}"?',
    ),
    "make_do": (
        'Almost! Do we "make" this or "do" this in English?',
        "Good! Which verb goes with this: make or do?",
    ),
    "say_tell": (
        'Close! When we say who we spoke to, do we use "say" or "tell"?',
        "Good! Which verb takes a person right after it: say or tell?",
    ),
    "age_have": (
        'I understand! In English, do we "have" years, or "are" we an age?',
        "Good! How do we usually say our age in English?",
    ),
    "adjective_order": (
        "Almost! Where does the describing word usually go: before or after the noun?",
        "Good! Can you try putting the colour or size word first?",
    ),
}

REFLECT: dict[str, str] = {
    "past_tense": "What helps you decide which verb form to use when you tell a story about yesterday?",
    "verb_agreement": "What rule do you use for verbs after he, she or it in the present?",
    "article_omission": 'When do you think we need "a" or "an" before a noun?',
    "plural_omission": "How do you usually show that there is more than one thing in English?",
    "be_omission": "Which verb do we use to describe how someone or something is?",
    "preposition": "How do you remember which preposition goes with a word?",
    "uncountable_plural": "How can you tell if a noun is countable or uncountable?",
    "word_order": 'What pattern do you notice about where "often" or "very much" go?',
    "comparative": "How do you make comparisons with short adjectives and with long ones?",
    "gerund_infinitive": 'How do you decide between "to do" and "doing" after a verb?',
    "subject_omission": "Why do you think English sentences always need a subject, even for weather?",
    "present_perfect": 'When do you use "have done" instead of "did"?',
    "make_do": "Do you have a trick for choosing between make and do?",
    "say_tell": "What's the difference you feel between say and tell?",
    "age_have": "How is saying your age in English different from your first language?",
    "adjective_order": "Where do describing words go in English compared with your first language?",
}

ACKS = ("Exactly!", "Yes, that's it!", "Perfect.", "Nice work!", "That's right!", "Great!")
REPLIES = (
    "Nice!",
    "Interesting!",
    "Oh, I see.",
    "That sounds great.",
    "Good to know!",
    "How nice!",
)
CLOSINGS = (
    "You're expressing yourself really clearly.",
    "Great job keeping the conversation going.",
    "I love hearing about this.",
    "You're doing really well.",
    "Thanks for sharing that with me.",
)
CLOSING_QUESTIONS = (
    "What else would you like to tell me about it?",
    "Can you tell me one more detail?",
    "What would you like to talk about next?",
    "How do you feel about that?",
)
HESITATIONS = (
    "Sorry, my English is not good.",
    "I'm not sure this is right, but...",
    "Sorry, I make many mistakes.",
    "I try to say it:",
)
REASSURANCES = (
    "Your English is clear, and I understand you!",
    "No need to apologise. I understand you perfectly.",
    "You're doing great, and it's fine to try.",
)
