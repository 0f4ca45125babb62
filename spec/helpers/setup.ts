// Loaded by mocha before the specs: the sailor's logger stays quiet under NODE_ENV=test
// (specs capture log lines by wrapping the logger instead).
process.env.NODE_ENV = process.env.NODE_ENV || 'test';
