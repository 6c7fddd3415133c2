"""Coaching: trainers read, mark and comment on a trainee's work; trainees can ask for a conversation."""
